import {
  CredentialRefreshError,
  refreshingRole,
  type Credentials,
  type RefreshEvent,
  type RefreshingProvider,
} from "../../src";
import { localSts, manualClock, type LocalSts, type ManualClock, type StsFault } from "../../src/testing";

const region = "us-east-1";
const roleArn = "arn:aws:iam::123456789012:role/fault-matrix";
const MINUTE = 60_000;
const CALLERS = 100;

/**
 * 100 concurrent callers; counts those still waiting after one turn of the event loop (they awaited
 * STS) and any credentials returned at or past their expiration at the moment they were returned.
 */
const callers = (provider: RefreshingProvider, clock: ManualClock, expiredReturned: string[]) => {
  let settled = 0;
  const all = Promise.allSettled(
    Array.from({ length: CALLERS }, () =>
      provider()
        .then((credentials: Credentials) => {
          const expiresAt = credentials.expiration?.getTime() ?? Infinity;
          if (expiresAt <= clock.now()) expiredReturned.push(`${credentials.accessKeyId} at ${clock.now()}`);
          return credentials;
        })
        .finally(() => {
          settled++;
        }),
    ),
  );
  return { all, waiting: () => CALLERS - settled };
};

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Drives the clock a second at a time until every caller of `burst` has its answer (10 minutes at most). */
const drive = async (clock: ManualClock, burst: { waiting: () => number }): Promise<number> => {
  let seconds = 0;
  await turn();
  while (burst.waiting() > 0 && seconds < 600) {
    await clock.advance(1_000);
    seconds++;
  }
  return seconds;
};

const scenario = async (fault: StsFault) => {
  const clock = manualClock();
  const sts: LocalSts = await localSts({ clock });
  const events: RefreshEvent[] = [];
  const expiredReturned: string[] = [];
  // One-hour credentials: the 15-minute advisory window opens at 45 minutes (random() = 0: the
  // refresh is due at once), the 1-minute mandatory window at 59, the real expiration at 60.
  const provider = refreshingRole({
    roleArn,
    region,
    clock,
    random: () => 0,
    onEvent: (event) => events.push(event),
    clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
  });
  const issuedAt = clock.now();
  const first = await provider();
  const callsBefore = sts.requests.filter((r) => r.action === "AssumeRole").length;

  sts.inject(fault, { times: Infinity, action: "AssumeRole" });

  // The advisory window, with the fault: every caller is served the current credentials, at once.
  let servedCurrent = 0;
  let waitedInAdvisory = 0;
  for (const at of [45 * MINUTE + 1_000, 50 * MINUTE, 59 * MINUTE - 1]) {
    await clock.advanceTo(issuedAt + at);
    const burst = callers(provider, clock, expiredReturned);
    await turn();
    waitedInAdvisory += burst.waiting();
    for (const result of await burst.all) {
      if (result.status === "fulfilled" && result.value === first) servedCurrent++;
    }
  }
  const failuresWhileServing = events.filter(
    (e) => e.type === "refresh-failure" && e.serving === "current",
  ).length;

  // The mandatory window, with the fault: callers may wait for one refresh, and still get the
  // current credentials, valid for 30 more seconds.
  await clock.advanceTo(issuedAt + 59.5 * MINUTE);
  const mandatory = callers(provider, clock, expiredReturned);
  await drive(clock, mandatory);
  const servedInMandatory = (await mandatory.all).filter(
    (result) => result.status === "fulfilled" && result.value === first,
  ).length;

  // Past the real expiration, with the fault: a typed error, never the expired credentials.
  await clock.advanceTo(Math.max(clock.now(), issuedAt + 60 * MINUTE));
  const expired = callers(provider, clock, expiredReturned);
  const secondsToError = await drive(clock, expired);
  const typedErrors = (await expired.all).filter(
    (result) => result.status === "rejected" && result.reason instanceof CredentialRefreshError,
  ).length;
  const outageCalls = sts.requests.filter((r) => r.action === "AssumeRole").length - callsBefore;

  // The fault clears: fresh credentials once the backoff lets the next refresh through.
  sts.clearFaults();
  const clearedAt = clock.now();
  let recovered: Credentials | undefined;
  while (recovered === undefined && clock.now() - clearedAt < 15 * MINUTE) {
    recovered = await provider().catch(() => undefined);
    if (recovered === undefined) await clock.advance(1_000);
  }
  provider.dispose();
  await sts.close();
  return {
    servedCurrent,
    waitedInAdvisory,
    failuresWhileServing,
    servedInMandatory,
    typedErrors,
    secondsToError,
    outageCalls,
    expiredReturned,
    recoveredAfterSeconds: (clock.now() - clearedAt) / 1000,
    recovered:
      recovered !== undefined &&
      recovered.accessKeyId !== first.accessKeyId &&
      recovered.expiration!.getTime() > clock.now(),
    expiredEvents: events.filter((e) => e.type === "expired").length,
  };
};

const matrix: Array<[string, StsFault]> = [
  ["throttling", { kind: "throttle" }],
  ["HTTP 500", { kind: "server-error", status: 500 }],
  ["HTTP 503", { kind: "server-error", status: 503 }],
  ["connection reset", { kind: "reset" }],
  ["no answer (hang)", { kind: "hang" }],
  ["malformed XML", { kind: "malformed" }],
  ["no credentials in the answer", { kind: "no-credentials" }],
  ["expiration in the past", { kind: "expired" }],
];

describe("fault matrix: refreshingRole against the local STS, manual clock, 100 concurrent callers", () => {
  const rows: string[] = [];
  afterAll(() => {
    console.log(
      "fault matrix (advisory: callers served the current credentials / waited; mandatory: served the current ones; expired: typed errors / simulated seconds; STS calls in the 16-minute outage; recovery; expired returned)\n" +
        rows.join("\n"),
    );
  });

  it.each(matrix)(
    "%s",
    async (label, fault) => {
      const result = await scenario(fault);
      rows.push(
        `  ${label.padEnd(30)} advisory ${result.servedCurrent}/${3 * CALLERS} served, ${result.waitedInAdvisory} waited | ` +
          `mandatory ${result.servedInMandatory}/${CALLERS} served | ` +
          `expired ${result.typedErrors}/${CALLERS} typed errors after ${result.secondsToError} s | ` +
          `${result.outageCalls} STS calls | recovered ${result.recovered ? `after ${result.recoveredAfterSeconds} s` : "no"} | ` +
          `expired returned ${result.expiredReturned.length}`,
      );
      expect(result.expiredReturned).toEqual([]);
      expect(result.waitedInAdvisory).toBe(0);
      expect(result.servedCurrent).toBe(3 * CALLERS);
      expect(result.failuresWhileServing).toBeGreaterThan(0);
      expect(result.servedInMandatory).toBe(CALLERS);
      expect(result.typedErrors).toBe(CALLERS);
      // Backed off: a handful of refreshes (each at most 4 attempts) over 16 minutes, not one per caller.
      expect(result.outageCalls).toBeLessThanOrEqual(40);
      expect(result.expiredEvents).toBe(1);
      expect(result.recovered).toBe(true);
    },
    60_000,
  );

  it("never makes a caller wait when the background refresh succeeds, even with a slow STS", async () => {
    const clock = manualClock();
    const sts = await localSts({ clock });
    const reasons: string[] = [];
    const expiredReturned: string[] = [];
    const provider = refreshingRole({
      roleArn,
      region,
      clock,
      durationSeconds: 900,
      onEvent: (event) => {
        if (event.type === "refresh-start") reasons.push(event.reason);
      },
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    await provider(); // the first credentials: the one time callers wait
    let waited = 0;
    let served = 0;
    // Ten cycles of 900-second credentials; STS takes 2 s to answer every refresh.
    sts.inject({ kind: "latency", ms: 2_000 }, { times: Infinity, action: "AssumeRole" });
    for (let second = 0; second < 10 * 750; second += 5) {
      await clock.advance(5_000);
      const burst = callers(provider, clock, expiredReturned);
      await turn();
      waited += burst.waiting();
      served += (await burst.all).filter((r) => r.status === "fulfilled").length;
    }
    provider.dispose();
    await sts.close();

    expect(expiredReturned).toEqual([]);
    expect(waited).toBe(0);
    expect(served).toBe(1_500 * CALLERS);
    expect(reasons[0]).toBe("initial");
    expect(reasons.slice(1).every((reason) => reason === "advisory")).toBe(true);
    expect(reasons.length).toBeGreaterThanOrEqual(10);
    console.log(
      `slow STS (2 s per refresh), 900 s credentials, ${served} calls over ${reasons.length - 1} background refreshes: ${waited} callers awaited STS`,
    );
  }, 120_000);
});
