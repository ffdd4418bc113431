import { inspect } from "node:util";
import {
  CredentialRefreshError,
  InvalidOptionsError,
  refreshAhead,
  type Clock,
  type Credentials,
  type RefreshEvent,
} from "../src";
import { manualClock } from "../src/testing";
import { controlledProvider, credentialsAt, scriptedProvider, settle } from "./support/scripted";

const MINUTE = 60_000;

/** A provider whose credentials live `ttl`, numbered by call; failing while `failing` says so. */
const source = (clock: Clock, ttl: number) => {
  let calls = 0;
  let failing = false;
  return {
    provider: () => {
      calls++;
      return failing
        ? Promise.reject(new Error(`STS down (call ${calls})`))
        : Promise.resolve(credentialsAt(clock, ttl, calls));
    },
    get calls() {
      return calls;
    },
    fail: (value: boolean) => {
      failing = value;
    },
  };
};

/** Calls `provider` `n` times at once and reports how many of those callers were still waiting after a turn. */
const burst = async (provider: () => Promise<Credentials>, n: number) => {
  let settled = 0;
  // allSettled attaches its handlers now, so no rejection is ever unhandled while we look.
  const all = Promise.allSettled(
    Array.from({ length: n }, () =>
      provider().finally(() => {
        settled++;
      }),
    ),
  );
  await settle();
  const waiting = n - settled;
  const results = await all;
  return { waiting, results };
};

describe("refreshAhead", () => {
  it("starts one background refresh at the jittered moment of the advisory window, serving the current credentials meanwhile", async () => {
    const clock = manualClock();
    const upstream = controlledProvider();
    // Deadline 60 min after issue; window 10 min; jitter 0.5 of it; random 0.5: the refresh is due at 52.5 min.
    const provider = refreshAhead({ clock, windowMs: 10 * MINUTE, random: () => 0.5 })(upstream.provider);
    const first = provider();
    await settle();
    upstream.succeed(credentialsAt(clock, 60 * MINUTE, 1));
    const current = await first;

    await clock.advance(52.5 * MINUTE - 1);
    expect(upstream.calls).toBe(1);
    await clock.advance(1);
    expect(upstream.calls).toBe(2); // the background refresh, with nobody asking

    // While it is in flight, 100 callers are served the current credentials without waiting.
    const { waiting, results } = await burst(provider, 100);
    expect(waiting).toBe(0);
    expect(results.every((r) => r.status === "fulfilled" && r.value === current)).toBe(true);
    expect(upstream.calls).toBe(2);

    upstream.succeed(credentialsAt(clock, 60 * MINUTE, 2));
    await settle();
    expect((await provider()).accessKeyId).toBe("ASIATEST00000002");
    provider.dispose();
  });

  it("spreads the refresh moment over the first half of the window by default", async () => {
    const moments: number[] = [];
    for (const draw of [0, 0.25, 0.999]) {
      const clock = manualClock(0);
      const upstream = source(clock, 60 * MINUTE);
      const provider = refreshAhead({ clock, windowMs: 10 * MINUTE, random: () => draw })(upstream.provider);
      await provider();
      for (let t = 0; upstream.calls === 1 && t < 240; t++) await clock.advance(MINUTE / 4);
      moments.push(clock.now() / MINUTE);
      provider.dispose();
    }
    // Window [50, 60) min; first half [50, 55): seen in 15-second steps.
    expect(moments).toEqual([50, 51.25, 55]);
  });

  it("keeps serving the current credentials through background failures, retrying with back-off until the deadline", async () => {
    const clock = manualClock(0);
    const upstream = source(clock, 60 * MINUTE);
    const events: RefreshEvent[] = [];
    const provider = refreshAhead({
      clock,
      windowMs: 10 * MINUTE,
      random: () => 0,
      onEvent: (e) => events.push(e),
    })(upstream.provider);
    const current = await provider();
    upstream.fail(true);

    await clock.advance(50 * MINUTE); // the window opens: the first background attempt fails
    const failure = events.find((e) => e.type === "refresh-failure");
    expect(failure).toMatchObject({ type: "refresh-failure", reason: "advisory", serving: "current" });
    expect(failure?.type === "refresh-failure" && failure.servingUntil).toEqual(current.expiration);
    expect(failure?.type === "refresh-failure" && failure.error).toBeInstanceOf(CredentialRefreshError);

    // Through the window: every caller gets the still-valid credentials, at once.
    for (let t = 0; t < 9; t++) {
      await clock.advance(MINUTE);
      const { waiting, results } = await burst(provider, 100);
      expect(waiting).toBe(0);
      expect(results.every((r) => r.status === "fulfilled" && r.value === current)).toBe(true);
    }
    // Retried with back-off: 1 s doubling, capped at 30 s, equal jitter (random() = 0 takes the lower
    // half): after 0.5, 1, 2, 4, 8 s, then every 15 s; 40 attempts in the 9 minutes up to 59:00.
    expect(upstream.calls - 1).toBe(40);

    upstream.fail(false);
    await clock.advance(30_000); // the next retry succeeds
    expect((await provider()).accessKeyId).not.toBe(current.accessKeyId);
    expect(events.at(-1)).toMatchObject({ type: "refresh-success", reason: "advisory" });
    provider.dispose();
  });

  it("makes callers wait past the deadline, and gives them a typed error if no credentials can be had", async () => {
    const clock = manualClock(0);
    const upstream = source(clock, 10 * MINUTE);
    const events: RefreshEvent[] = [];
    const provider = refreshAhead({ clock, windowMs: MINUTE, onEvent: (e) => events.push(e) })(
      upstream.provider,
    );
    const first = await provider();
    upstream.fail(true);
    await clock.advance(10 * MINUTE);

    const { results } = await burst(provider, 100);
    expect(results.every((r) => r.status === "rejected" && r.reason instanceof CredentialRefreshError)).toBe(
      true,
    );
    expect(events.filter((e) => e.type === "expired")).toEqual([
      { type: "expired", expiration: first.expiration },
    ]);
    expect(events.at(-1)).toMatchObject({ type: "refresh-failure", reason: "mandatory", serving: "none" });

    upstream.fail(false);
    const recovered = await provider();
    expect(recovered.expiration!.getTime()).toBeGreaterThan(clock.now());
    provider.dispose();
  });

  it("joins a background refresh in flight when a caller reaches the deadline or forces a refresh", async () => {
    const clock = manualClock(0);
    const upstream = controlledProvider();
    const provider = refreshAhead({ clock, windowMs: MINUTE, random: () => 0 })(upstream.provider);
    const first = provider();
    await settle();
    upstream.succeed(credentialsAt(clock, 10 * MINUTE, 1));
    await first;
    await clock.advance(9 * MINUTE); // background refresh starts
    expect(upstream.calls).toBe(2);
    const forced = provider({ forceRefresh: true });
    await clock.advance(MINUTE); // the deadline passes while it is still in flight
    const waiting = provider();
    await settle();
    expect(upstream.calls).toBe(2);
    upstream.succeed(credentialsAt(clock, 10 * MINUTE, 2));
    expect((await forced).accessKeyId).toBe("ASIATEST00000002");
    expect((await waiting).accessKeyId).toBe("ASIATEST00000002");
    provider.dispose();
  });

  it("refreshes from a caller when its timer never fired (a suspended machine)", async () => {
    let now = 0;
    // A clock whose sleeps never end: timers that a suspended process never got to run.
    const stuck: Clock = { now: () => now, sleep: () => new Promise(() => undefined) };
    const upstream = scriptedProvider([
      () => credentialsAt(stuck, 10 * MINUTE, 1),
      () => credentialsAt(stuck, 10 * MINUTE, 2),
    ]);
    const provider = refreshAhead({ clock: stuck, windowMs: 2 * MINUTE, random: () => 0 })(upstream.provider);
    const first = await provider();
    now = 9 * MINUTE; // inside the window
    expect(await provider()).toBe(first); // served at once...
    await settle();
    expect(upstream.calls).toBe(2); // ...and the refresh it was owed has started
    expect((await provider()).accessKeyId).toBe("ASIATEST00000002");
  });

  it("stops background work on dispose(), and with Symbol.asyncDispose", async () => {
    for (const stop of ["dispose", "asyncDispose"] as const) {
      const clock = manualClock(0);
      const upstream = source(clock, 10 * MINUTE);
      const provider = refreshAhead({ clock, windowMs: 2 * MINUTE })(upstream.provider);
      await provider();
      expect(clock.pendingSleeps).toBe(1);
      if (stop === "dispose") provider.dispose();
      else await provider[Symbol.asyncDispose]();
      expect(clock.pendingSleeps).toBe(0);
      await clock.advance(20 * MINUTE);
      expect(upstream.calls).toBe(1);
      // Still usable, on demand.
      await expect(provider()).resolves.toMatchObject({ accessKeyId: "ASIATEST00000002" });
    }
  });

  it("logs one line per event to an SDK-style logger, without secrets", async () => {
    const clock = manualClock(0);
    const upstream = source(clock, 10 * MINUTE);
    const lines: Array<[string, string]> = [];
    const logger = {
      debug: (line: string) => lines.push(["debug", line]),
      info: (line: string) => lines.push(["info", line]),
      warn: (line: string) => lines.push(["warn", line]),
      error: (line: string) => lines.push(["error", line]),
    };
    const events: RefreshEvent[] = [];
    const provider = refreshAhead({
      clock,
      windowMs: MINUTE,
      random: () => 0,
      logger,
      onEvent: (e) => events.push(e),
    })(upstream.provider);
    const issued = await provider();
    upstream.fail(true);
    await clock.advance(9 * MINUTE);
    await clock.advance(MINUTE);
    await provider().catch(() => undefined);

    expect(lines.map(([level]) => level)).toEqual(expect.arrayContaining(["debug", "warn", "error"]));
    expect(lines.find(([, line]) => line.includes("serving the current credentials until"))).toBeDefined();
    expect(lines.find(([, line]) => line.includes("reached their deadline"))).toBeDefined();
    const everything = [
      ...lines.map(([, line]) => line),
      ...events.map((e) => inspect(e, { depth: 5 })),
      JSON.stringify(events),
    ];
    for (const output of everything) {
      expect(output).not.toContain(issued.secretAccessKey);
      expect(output).not.toContain(issued.sessionToken);
    }
    provider.dispose();
  });

  it("reports a listener that throws as a warning, and refreshes all the same", async () => {
    const clock = manualClock(0);
    const upstream = source(clock, 10 * MINUTE);
    const emitWarning = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    try {
      const provider = refreshAhead({
        clock,
        onEvent: () => {
          throw new Error("metrics backend down");
        },
      })(upstream.provider);
      await expect(provider()).resolves.toMatchObject({ accessKeyId: "ASIATEST00000001" });
      expect(emitWarning).toHaveBeenCalledWith(
        "aws-refresh-session: the onEvent listener threw: Error: metrics backend down",
        { code: "AWS_REFRESH_SESSION_LISTENER" },
      );
      provider.dispose();
    } finally {
      emitWarning.mockRestore();
    }
  });

  it("rejects bad options at construction", () => {
    expect(() => refreshAhead({ windowMs: -1 })).toThrow(InvalidOptionsError);
    expect(() => refreshAhead({ jitter: 2 })).toThrow(/jitter: a number from 0 to 1/);
    expect(() => refreshAhead({ logger: {} as never })).toThrow(/logger: a logger/);
    expect(() => refreshAhead({ windowMS: 5 } as never)).toThrow(/did you mean windowMs/);
  });
});
