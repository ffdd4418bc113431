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

const scenario = async (fault: StsFault) => {
  const clock = manualClock();
  const sts: LocalSts = await localSts({ clock });
  const events: RefreshEvent[] = [];
  const expiredReturned: string[] = [];
  // One-hour credentials: the advisory window opens at 45 minutes (random() = 0: the refresh is due
  // at once), the deadline is at 50 minutes.
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

  sts.inject(fault, { times: Infinity, action: "AssumeRole" });

  // The advisory window, with the fault: every caller is served the current credentials, at once.
  let servedCurrent = 0;
  let waitedInAdvisory = 0;
  for (const at of [45 * MINUTE + 1_000, 47 * MINUTE, 50 * MINUTE - 1]) {
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

  // Past the deadline, with the fault: callers wait, then get a typed error.
  await clock.advanceTo(issuedAt + 50 * MINUTE);
  const mandatory = callers(provider, clock, expiredReturned);
  let driven = 0;
  while (mandatory.waiting() > 0 && driven < 600) {
    await clock.advance(1_000);
    driven++;
  }
  const typedErrors = (await mandatory.all).filter(
    (result) => result.status === "rejected" && result.reason instanceof CredentialRefreshError,
  ).length;

  // The fault clears: the first refresh after it succeeds.
  sts.clearFaults();
  const recovered = await provider();
  provider.dispose();
  await sts.close();
  return {
    servedCurrent,
    waitedInAdvisory,
    failuresWhileServing,
    typedErrors,
    secondsToError: driven,
    expiredReturned,
    recovered: recovered.accessKeyId !== first.accessKeyId && recovered.expiration!.getTime() > clock.now(),
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
      "fault matrix (advisory: callers served the current credentials / waited; mandatory: typed errors / simulated seconds; recovered; expired returned)\n" +
        rows.join("\n"),
    );
  });

  it.each(matrix)(
    "%s",
    async (label, fault) => {
      const result = await scenario(fault);
      rows.push(
        `  ${label.padEnd(30)} advisory ${result.servedCurrent}/${3 * CALLERS} served, ${result.waitedInAdvisory} waited | ` +
          `mandatory ${result.typedErrors}/${CALLERS} typed errors after ${result.secondsToError} s | ` +
          `recovered ${result.recovered ? "yes" : "no"} | expired returned ${result.expiredReturned.length}`,
      );
      expect(result.expiredReturned).toEqual([]);
      expect(result.waitedInAdvisory).toBe(0);
      expect(result.servedCurrent).toBe(3 * CALLERS);
      expect(result.failuresWhileServing).toBeGreaterThan(0);
      expect(result.typedErrors).toBe(CALLERS);
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
