/**
 * 5. Fleet: 10,000 processes started in the same second, each with one-hour credentials and the
 * default refresh timeline, simulated for 6 hours on one manual clock. Peak STS calls in any one
 * second after the first cycle, with the default jitter and with none, and the same peak minute by
 * minute for the chart (a per-second series would be 21,600 numbers per run, mostly zeros).
 */
import { refreshAhead, type Credentials } from "../src";
import { manualClock } from "../src/testing";

const PROCESSES = 10_000;
const HOURS = 6;

export interface FleetRun {
  readonly peakPerSecond: number;
  readonly peakShare: number;
  readonly stsCalls: number;
  /**
   * Peak STS calls in one second, for each minute from the start (index 0: the first minute), the
   * start-up second left out as in `peakPerSecond`, so that `peakPerSecond` is this series' maximum.
   */
  readonly peakPerSecondByMinute: readonly number[];
}

export interface FleetResult {
  readonly processes: number;
  readonly hours: number;
  readonly jittered: FleetRun;
  readonly unjittered: FleetRun;
}

const simulate = async (jitter: number): Promise<Omit<FleetRun, "peakShare">> => {
  const start = Date.UTC(2030, 0, 1);
  const clock = manualClock(start);
  const perSecond = new Map<number, number>();
  let calls = 0;
  const source = (): Promise<Credentials> => {
    calls++;
    const second = Math.floor((clock.now() - start) / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    return Promise.resolve({
      accessKeyId: "A",
      secretAccessKey: "s",
      expiration: new Date(clock.now() + 3_600_000),
    });
  };
  const startTimes = Array.from({ length: PROCESSES }, () => start + Math.floor(Math.random() * 1000)).sort(
    (a, b) => a - b,
  );
  const providers = [];
  for (const at of startTimes) {
    await clock.advanceTo(at);
    const provider = refreshAhead({ clock, jitter })(source);
    providers.push(provider);
    void provider();
  }
  for (let hour = 1; hour <= HOURS; hour++) await clock.advanceTo(start + hour * 3_600_000);
  providers.forEach((provider) => {
    provider.dispose();
  });
  // After the first cycle: every second past the start-up second.
  const afterStartUp = [...perSecond.entries()].filter(([second]) => second > 1);
  // Up to the last second with a call: refreshes due at exactly 6 hours still fire.
  const minutes = Math.floor(Math.max(...afterStartUp.map(([second]) => second)) / 60) + 1;
  const byMinute = new Array<number>(minutes).fill(0);
  for (const [second, n] of afterStartUp) {
    const minute = Math.floor(second / 60);
    byMinute[minute] = Math.max(byMinute[minute] ?? 0, n);
  }
  return { peakPerSecond: Math.max(...byMinute), stsCalls: calls, peakPerSecondByMinute: byMinute };
};

export const fleet = async (): Promise<FleetResult> => {
  const jittered = await simulate(0.5);
  const unjittered = await simulate(0);
  return {
    processes: PROCESSES,
    hours: HOURS,
    jittered: { ...jittered, peakShare: jittered.peakPerSecond / PROCESSES },
    unjittered: { ...unjittered, peakShare: unjittered.peakPerSecond / PROCESSES },
  };
};
