import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { inspect } from "node:util";
import fc from "fast-check";
import {
  CredentialRefreshError,
  fromFunction,
  InvalidOptionsError,
  refreshAhead,
  refreshing,
  specRefreshBackoff,
  type Clock,
  type Credentials,
  type RefreshEvent,
} from "../../src";
import { refreshIntentOf, withRefreshIntent } from "../../src/core/refreshIntent";
import { manualClock } from "../../src/testing";
import { controlledProvider, credentialsAt, sdkError, settle } from "../support/scripted";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 0, 1);

/** A source of credentials that live `ttl`, numbered by call; failing with `failure` while it is set. */
const source = (clock: Clock, ttl: number) => {
  let calls = 0;
  const at: number[] = [];
  let failure: Error | undefined;
  return {
    provider: () => {
      calls++;
      at.push(clock.now());
      return failure !== undefined
        ? Promise.reject(failure)
        : Promise.resolve(credentialsAt(clock, ttl, calls));
    },
    get calls() {
      return calls;
    },
    at,
    fail: (error: Error | undefined) => {
      failure = error;
    },
  };
};

const outage = () => sdkError("ServiceUnavailable", 503);
const denied = () => sdkError("AccessDenied", 403);

/** Calls `provider` `n` times at once and reports how many were still waiting after a turn. */
const burst = async (provider: () => Promise<Credentials>, n: number) => {
  let settled = 0;
  const all = Promise.allSettled(
    Array.from({ length: n }, () =>
      provider().finally(() => {
        settled++;
      }),
    ),
  );
  await settle();
  const waiting = n - settled;
  return { waiting, results: await all };
};

const logger = () => {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    debug: (line: string) => lines.push(["debug", line]),
    info: (line: string) => lines.push(["info", line]),
    warn: (line: string) => lines.push(["warn", line]),
    error: (line: string) => lines.push(["error", line]),
  };
};

describe("refreshAhead: the timeline of each credential", () => {
  it("refreshes one-hour credentials in the background from the 15-minute advisory window, serving the current ones meanwhile", async () => {
    const clock = manualClock(T0);
    const upstream = controlledProvider();
    // random 0.5, jitter 0.5: the refresh is due a quarter into [45 min, 59 min): at 48.5 min.
    const provider = refreshAhead({ clock, random: () => 0.5 })(upstream.provider);
    const first = provider();
    await settle();
    upstream.succeed(credentialsAt(clock, HOUR, 1));
    const current = await first;
    expect(current.expiration).toEqual(new Date(T0 + HOUR)); // the source's real expiration

    await clock.advance(48.5 * MINUTE - 1);
    expect(upstream.calls).toBe(1);
    await clock.advance(1);
    expect(upstream.calls).toBe(2); // nobody asked
    // Told through the library's private channel, not the public options: nobody waits for this call.
    expect(refreshIntentOf(upstream.lastOptions())).toMatchObject({ background: true });

    const { waiting, results } = await burst(provider, 100);
    expect(waiting).toBe(0);
    expect(results.every((r) => r.status === "fulfilled" && r.value === current)).toBe(true);

    upstream.succeed(credentialsAt(clock, HOUR, 2));
    await settle();
    expect((await provider()).accessKeyId).toBe("ASIATEST00000002");
    provider.dispose();
  });

  it("chooses the windows from each credential's lifetime, and recomputes them after every refresh", async () => {
    const clock = manualClock(T0);
    const lifetimes = [6 * HOUR, 10 * MINUTE, 30 * MINUTE];
    let n = 0;
    const windows: number[] = [];
    const provider = refreshAhead({
      clock,
      random: () => 0,
      onEvent: (e) => {
        if (e.type === "refresh-success") windows.push(e.advisoryWindowMs);
      },
    })(() => Promise.resolve(credentialsAt(clock, lifetimes[n++] ?? HOUR, n)));
    await provider();
    await clock.advance(5 * HOUR); // 6-hour credentials: refreshed at 5 hours
    await clock.advance(5 * MINUTE); // 10-minute credentials: refreshed 5 minutes in
    expect(windows).toEqual([HOUR, 5 * MINUTE, 15 * MINUTE]);
    provider.dispose();
  });

  it("fetches 15-minute credentials about every 10 minutes, not 134 times in 3 hours", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, 15 * MINUTE);
    const provider = refreshAhead({ clock })(upstream.provider);
    await provider();
    for (let t = 0; t < 180; t++) {
      await clock.advance(MINUTE);
      await provider();
    }
    // Refreshed 10 to 12 minutes into each 15 (jitter over the first half of the window): 15 to 18.
    expect(upstream.calls).toBeGreaterThanOrEqual(15);
    expect(upstream.calls).toBeLessThanOrEqual(19);
    provider.dispose();
  });

  it("does not loop on credentials shorter than the advisory window", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, 1_000);
    // A mandatory window shorter than their life: credentials that arrive inside it are refused.
    const provider = refreshAhead({ clock, random: () => 0, mandatoryWindowMs: 100 })(upstream.provider);
    await provider();
    await clock.advance(200);
    expect(upstream.calls).toBe(1); // was 171 source calls in 200 ms
    // Used for at least a quarter of their life before a background refresh.
    await clock.advance(50);
    expect(upstream.calls).toBe(2);
    provider.dispose();
  });

  it("never loops and never serves expired credentials, for lifetimes from 1 s to 400 days and any random source", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1_000, max: 400 * 24 * HOUR }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (lifetime, draws) => {
          const clock = manualClock(T0);
          const upstream = source(clock, lifetime);
          let i = 0;
          const provider = refreshAhead({
            clock,
            random: () => draws[i++ % draws.length]!,
            // Credentials that arrive inside the mandatory window are refused: keep it inside their life.
            mandatoryWindowMs: Math.min(MINUTE, lifetime / 8),
          })(upstream.provider);
          await provider();
          for (let step = 0; step < 12; step++) {
            await clock.advance(lifetime / 4);
            const credentials = await provider();
            expect(credentials.expiration!.getTime()).toBeGreaterThan(clock.now());
          }
          // 3 lifetimes: at most one refresh per quarter of a lifetime, the first included.
          const gaps = upstream.at.slice(1).map((t, k) => t - upstream.at[k]!);
          expect(gaps.every((gap) => gap >= lifetime / 4 - 1)).toBe(true);
          provider.dispose();
        },
      ),
      { numRuns: 60 },
    );
  });

  it("never overflows a timer: 30-day credentials from the system clock make one call and no warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      let calls = 0;
      const provider = refreshing(
        fromFunction(() => {
          calls++;
          return {
            accessKeyId: "AKID",
            secretAccessKey: "secret",
            expiration: new Date(Date.now() + 30 * 24 * HOUR),
          };
        }),
      );
      await provider();
      // Real time, on purpose: the overflow is the system clock's. An overflowed timer fires after 1 ms.
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(calls).toBe(1);
      expect(warnings).toEqual([]);
      expect(provider.status().refreshAt!.getTime()).toBeGreaterThan(Date.now() + 24 * 24 * HOUR);
      provider.dispose();
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("refreshAhead: failures while a valid credential is held", () => {
  it("keeps serving the current credentials until their real expiration, backing off between attempts", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const events: RefreshEvent[] = [];
    const log = logger();
    const provider = refreshAhead({ clock, random: () => 0, logger: log, onEvent: (e) => events.push(e) })(
      upstream.provider,
    );
    const current = await provider();
    upstream.fail(outage());

    await clock.advance(45 * MINUTE); // the window opens: the first background attempt fails
    const failure = events.find((e) => e.type === "refresh-failure");
    expect(failure).toMatchObject({ reason: "advisory", serving: "current", recoverable: true });
    expect(failure?.type === "refresh-failure" && failure.servingUntil).toEqual(current.expiration);
    // The default backoff for a 15-minute window: 1 minute nominal, 30 s with random() = 0.
    expect(failure?.type === "refresh-failure" && failure.nextAttemptAt).toEqual(
      new Date(clock.now() + 30_000),
    );
    const warning = log.lines.find(([level]) => level === "warn");
    expect(warning?.[1]).toContain(`next attempt not before ${new Date(clock.now() + 30_000).toISOString()}`);

    // Through the advisory and the mandatory windows: every caller gets the current credentials.
    let waited = 0;
    for (let t = 0; t < 29; t++) {
      await clock.advance(30_000);
      const { waiting, results } = await burst(provider, 50);
      waited += waiting;
      expect(results.every((r) => r.status === "fulfilled" && r.value === current)).toBe(true);
    }
    expect(clock.now()).toBe(T0 + 59.5 * MINUTE);
    expect(waited).toBeLessThanOrEqual(50); // only callers who reached the mandatory window with no backoff
    // Backed off: 30 s, 60 s, 120 s, 200 s (the cap, halved by random() = 0)... a handful, not 48–80.
    expect(upstream.calls - 1).toBeLessThanOrEqual(8);
    expect(upstream.calls - 1).toBeGreaterThanOrEqual(4);

    upstream.fail(undefined);
    await clock.advance(5 * MINUTE);
    expect((await provider().catch(() => undefined))?.accessKeyId).not.toBe(current.accessKeyId);
    provider.dispose();
  });

  it("makes callers in the mandatory window wait for one shared refresh, and gives them the current credentials if it fails", async () => {
    const clock = manualClock(T0);
    const upstream = controlledProvider();
    const provider = refreshAhead({ clock, advisoryWindowMs: 0 })(upstream.provider); // no background refresh
    const first = provider();
    await settle();
    upstream.succeed(credentialsAt(clock, HOUR, 1));
    const current = await first;
    await clock.advance(59 * MINUTE);
    const { waiting, results } = await (async () => {
      const calls = burst(provider, 100);
      await settle();
      expect(upstream.calls).toBe(2); // one refresh for all of them
      upstream.fail(outage());
      return calls;
    })();
    expect(waiting).toBe(100);
    expect(results.every((r) => r.status === "fulfilled" && r.value === current)).toBe(true);
    provider.dispose();
  });

  it("after the real expiration raises a retryable error with the last failure as its cause, without contacting the source during the backoff", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const events: RefreshEvent[] = [];
    const provider = refreshAhead({
      clock,
      backoff: specRefreshBackoff,
      random: () => 0,
      onEvent: (e) => events.push(e),
    })(upstream.provider);
    const first = await provider();
    const cause = outage();
    upstream.fail(cause);
    await clock.advance(HOUR);
    const callsAtExpiry = upstream.calls;
    const error = (await provider().catch((e: unknown) => e)) as CredentialRefreshError;
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect(error.retryable).toBe(true);
    expect(error.cause).toMatchObject({ name: cause.name, message: cause.message });
    const before = upstream.calls;
    for (let i = 0; i < 100; i++) await expect(provider()).rejects.toBe(error);
    expect(upstream.calls).toBe(before); // the backoff holds: 100 callers, no call
    expect(before - callsAtExpiry).toBeLessThanOrEqual(1);
    expect(events.filter((e) => e.type === "expired")).toEqual([
      { type: "expired", expiration: first.expiration },
    ]);
    upstream.fail(undefined);
    await clock.advance(300_000); // the specification's backoff, at its minimum
    expect((await provider()).expiration!.getTime()).toBeGreaterThan(clock.now());
    provider.dispose();
  });

  it("serves the expired credentials after the real expiration with serveExpired, as the specification does", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const provider = refreshAhead({ clock, serveExpired: true })(upstream.provider);
    const first = await provider();
    upstream.fail(outage());
    await clock.advance(HOUR + MINUTE);
    expect(await provider()).toBe(first);
    provider.dispose();
  });

  it("raises a non-recoverable failure to waiting callers at once, and caches it for 1 to 5 s", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const provider = refreshAhead({ clock, advisoryWindowMs: 0, random: () => 0.5 })(upstream.provider);
    await provider();
    upstream.fail(denied());
    await clock.advance(HOUR - 30_000); // the mandatory window, nothing in the background
    const error = (await provider().catch((e: unknown) => e)) as CredentialRefreshError;
    expect(error).toMatchObject({ retryable: false });
    expect((error.cause as Error).name).toBe("AccessDenied");
    const calls = upstream.calls;
    for (let i = 0; i < 50; i++) await expect(provider()).rejects.toBe(error); // a loop of callers
    expect(upstream.calls).toBe(calls);
    expect(provider.status().errorCachedUntil).toEqual(new Date(clock.now() + 3_000)); // 1 + 0.5 × 4 s
    await clock.advance(3_000);
    upstream.fail(undefined);
    await expect(provider()).resolves.toMatchObject({ accessKeyId: "ASIATEST00000003" });
    provider.dispose();
  });

  it("keeps serving valid credentials when a background refresh is denied, reports it at error level, and backs off", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const log = logger();
    const provider = refreshAhead({ clock, random: () => 0, logger: log })(upstream.provider);
    const current = await provider();
    upstream.fail(denied());
    await clock.advance(45 * MINUTE);
    expect(upstream.calls).toBe(2);
    expect(await provider()).toBe(current);
    expect(log.lines.find(([level]) => level === "error")?.[1]).toMatch(/\(non-recoverable\).*AccessDenied/);
    expect(provider.status().backoffUntil).toEqual(new Date(clock.now() + 30_000));
    await clock.advance(29_000);
    expect(upstream.calls).toBe(2);
    provider.dispose();
  });

  it("does not back off when nothing is held: the next caller may try again at once", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const provider = refreshAhead({ clock })(upstream.provider);
    upstream.fail(outage());
    await expect(provider()).rejects.toBeInstanceOf(CredentialRefreshError);
    upstream.fail(undefined);
    await expect(provider()).resolves.toMatchObject({ accessKeyId: "ASIATEST00000002" });
    provider.dispose();
  });
});

describe("refreshAhead: invalidate()", () => {
  it("sends the next call through the mandatory path when the key is the cached one, and ignores any other", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const events: RefreshEvent[] = [];
    const provider = refreshAhead({ clock, onEvent: (e) => events.push(e) })(upstream.provider);
    const first = await provider();
    expect(provider.invalidate("ASIASOMETHINGELSE")).toBe(false);
    expect(await provider()).toBe(first);
    expect(provider.invalidate(first.accessKeyId)).toBe(true);
    expect(provider.invalidate(first.accessKeyId)).toBe(false); // already invalidated
    expect(events).toContainEqual({ type: "invalidated", keyHint: first.accessKeyId.slice(-4) });
    const replaced = await Promise.all([provider(), provider(), provider()]);
    expect(upstream.calls).toBe(2);
    expect(new Set(replaced.map((c) => c.accessKeyId))).toEqual(new Set(["ASIATEST00000002"]));
    expect(provider.invalidate(first.accessKeyId)).toBe(false); // replaced
    provider.dispose();
  });

  it("respects the backoff, and still serves the cached credentials if the refresh fails", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const provider = refreshAhead({ clock, backoff: () => 60_000 })(upstream.provider);
    const first = await provider();
    upstream.fail(outage());
    provider.invalidate(first.accessKeyId);
    expect(await provider()).toBe(first); // the refresh failed: the credentials are still valid
    expect(upstream.calls).toBe(2);
    expect(await provider()).toBe(first); // within the backoff: no call
    expect(upstream.calls).toBe(2);
    upstream.fail(undefined);
    await clock.advance(60_000);
    expect((await provider()).accessKeyId).toBe("ASIATEST00000003");
    provider.dispose();
  });
});

describe("refreshAhead: a steady rejection", () => {
  /** One request as the rejection plugin handles it: signed, rejected, invalidated, sent once more, rejected. */
  const rejectedRequest = async (provider: ReturnType<ReturnType<typeof refreshAhead>>) => {
    const signed = await provider();
    provider.invalidate(signed.accessKeyId);
    const resent = await provider();
    provider.invalidate(resent.accessKeyId);
  };

  it("rate-limits refreshes when the key fetched to replace a rejected one is rejected too: 50 requests, 2 calls, not 100", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const events: RefreshEvent[] = [];
    const provider = refreshAhead({ clock, backoff: () => MINUTE, onEvent: (e) => events.push(e) })(
      upstream.provider,
    );
    for (let i = 0; i < 50; i++) await rejectedRequest(provider);
    expect(upstream.calls).toBe(2);
    const failures = events.filter((e) => e.type === "refresh-failure");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      reason: "invalidated",
      recoverable: true,
      serving: "current",
      nextAttemptAt: new Date(T0 + MINUTE),
    });
    expect((failures[0] as { error: Error }).error.message).toMatch(/rejected too/);
    expect(provider.status()).toMatchObject({ invalidated: true, failures: 1 });
    // After the backoff, one refresh: its key is rejected as well, a second failure.
    await clock.advance(MINUTE);
    await rejectedRequest(provider);
    expect(upstream.calls).toBe(3);
    expect(provider.status().failures).toBe(2);
    provider.dispose();
  });

  it("costs a trickle that slows down under the default backoff: about 10 calls in an hour of rejections", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const provider = refreshAhead({ clock, random: () => 1 })(upstream.provider);
    for (let minute = 0; minute < 60; minute++) {
      await rejectedRequest(provider);
      await clock.advance(MINUTE);
    }
    // Delays of 1, 2, 4 then 7.5 minutes (the cap): 2 + 9 calls.
    expect(upstream.calls).toBeGreaterThanOrEqual(8);
    expect(upstream.calls).toBeLessThanOrEqual(12);
    provider.dispose();
  });

  it("refreshes at once, as before, when a key that came from any other refresh is rejected", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const provider = refreshAhead({ clock, random: () => 0, backoff: () => MINUTE })(upstream.provider);
    const first = await provider();
    provider.invalidate(first.accessKeyId);
    const second = await provider();
    expect(second.accessKeyId).toBe("ASIATEST00000002");
    // The replacement is accepted for a while; the next advisory refresh proves the source good again.
    await clock.advance(50 * MINUTE);
    const third = await provider();
    expect(upstream.calls).toBe(3);
    expect(provider.status().failures).toBe(0);
    provider.invalidate((await provider()).accessKeyId);
    expect((await provider()).accessKeyId).toBe("ASIATEST00000004");
    // (Its background refresh ran at 45 minutes.)
    expect(third.accessKeyId).toBe("ASIATEST00000003");
    provider.dispose();
  });
});

describe("refreshAhead: credentials that arrive nearly expired", () => {
  it("takes credentials inside the mandatory window for a failed refresh, backs off and warns of the clock: not 14 calls a second", async () => {
    const clock = manualClock(T0);
    let calls = 0;
    // Good one-hour credentials first, then a source whose credentials have 200 ms left.
    const upstream = () => {
      calls++;
      return Promise.resolve(credentialsAt(clock, calls === 1 ? HOUR : 200, calls));
    };
    const log = logger();
    const provider = refreshAhead({ clock, random: () => 0, logger: log })(upstream);
    const first = await provider();
    await clock.advance(45 * MINUTE); // the background refresh is due
    await settle();
    expect(calls).toBe(2);
    await clock.advance(10_000);
    expect(calls).toBe(2); // was 200 background calls in these 10 s
    expect(await provider()).toBe(first);
    const warning = log.lines.find(
      ([level, line]) => level === "warn" && /refresh \(advisory\) failed/.test(line),
    );
    expect(warning?.[1]).toMatch(/expire in 200 ms .*inside the mandatory window.*clock.*old credentials/);
    expect(provider.status()).toMatchObject({ failures: 1 });
    provider.dispose();
  });

  it("with nothing held, caches the error 1-5 s: callers in a loop cost one source call per interval, not one per call", async () => {
    const clock = manualClock(T0);
    let calls = 0;
    const upstream = () => {
      calls++;
      return Promise.resolve(credentialsAt(clock, 200, calls));
    };
    // random() = 0: the error is cached for the shortest time, 1 s.
    const provider = refreshAhead({ clock, random: () => 0 })(upstream);
    for (let tick = 0; tick < 300; tick++) {
      await expect(provider()).rejects.toBeInstanceOf(CredentialRefreshError);
      await clock.advance(10); // 300 calls over 3 s
    }
    expect(calls).toBe(3); // was one source call per caller: 300
    provider.dispose();
  });

  it("gives a caller with nothing held the error, naming the likely causes", async () => {
    const clock = manualClock(T0);
    const provider = refreshAhead({ clock })(() => Promise.resolve(credentialsAt(clock, 200)));
    await expect(provider()).rejects.toThrow(/inside the mandatory window.*is this machine's clock right/);
    await expect(provider()).rejects.toBeInstanceOf(CredentialRefreshError);
    provider.dispose();
  });
});

describe("refreshAhead: a cache below that replaces our key", () => {
  it("refreshes when asked for something newer than the key it holds, and serves it otherwise", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const provider = refreshAhead({ clock })(upstream.provider);
    const first = await provider();
    // What a refreshing layer above says, through the library's private channel.
    const replacing = (key: string) => withRefreshIntent({}, { background: false, replacing: key });
    expect(await provider(replacing("ASIAOTHERKEY"))).toBe(first);
    expect(upstream.calls).toBe(1);
    expect((await provider(replacing(first.accessKeyId))).accessKeyId).toBe("ASIATEST00000002");
    // A user's option of that name is no protocol of ours: a cache hit.
    expect(await provider({ replacing: "ASIATEST00000002" })).toMatchObject({
      accessKeyId: "ASIATEST00000002",
    });
    expect(upstream.calls).toBe(2);
    expect(upstream.calls).toBe(2);
    provider.dispose();
  });
});

describe("refreshAhead: callers and the process", () => {
  it("joins a background refresh in flight when a caller reaches the mandatory window or forces a refresh", async () => {
    const clock = manualClock(T0);
    const upstream = controlledProvider();
    const provider = refreshAhead({ clock, random: () => 0 })(upstream.provider);
    const first = provider();
    await settle();
    upstream.succeed(credentialsAt(clock, HOUR, 1));
    await first;
    await clock.advance(45 * MINUTE); // background refresh starts
    expect(upstream.calls).toBe(2);
    const forced = provider({ forceRefresh: true });
    await clock.advance(14.5 * MINUTE); // the mandatory window, still in flight
    const waiting = provider();
    await settle();
    expect(upstream.calls).toBe(2);
    upstream.succeed(credentialsAt(clock, HOUR, 2));
    expect((await forced).accessKeyId).toBe("ASIATEST00000002");
    expect((await waiting).accessKeyId).toBe("ASIATEST00000002");
    provider.dispose();
  });

  it("starts nothing for a caller whose signal has already aborted", async () => {
    const clock = manualClock(T0);
    const upstream = controlledProvider();
    const provider = refreshAhead({ clock })(upstream.provider);
    const controller = new AbortController();
    controller.abort();
    await expect(provider({ signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(upstream.calls).toBe(0);
  });

  it("keeps a refresh that a listener starts while the previous one settles, and lets others join it", async () => {
    const clock = manualClock(T0);
    const upstream = controlledProvider();
    let reentered: Promise<Credentials> | undefined;
    const provider = refreshAhead({
      clock,
      onEvent: (event) => {
        // A listener that asks for fresh credentials the moment a refresh succeeds.
        if (event.type === "refresh-success" && reentered === undefined) {
          reentered = provider({ forceRefresh: true });
        }
      },
    })(upstream.provider);
    const first = provider();
    await settle();
    upstream.succeed(credentialsAt(clock, HOUR, 1));
    expect((await first).accessKeyId).toBe("ASIATEST00000001");
    expect(upstream.inFlight).toBe(1); // the listener's refresh
    const other = provider({ forceRefresh: true });
    await settle();
    expect(upstream.calls).toBe(2); // joined, not a third call
    upstream.succeed(credentialsAt(clock, HOUR, 2));
    await expect(other).resolves.toMatchObject({ accessKeyId: "ASIATEST00000002" });
    await expect(reentered).resolves.toMatchObject({ accessKeyId: "ASIATEST00000002" });
    provider.dispose();
  });

  it("answers the caller of a source that throws at once with its error", async () => {
    const clock = manualClock(T0);
    const provider = refreshAhead({ clock })(() => {
      throw sdkError("AccessDenied", 403);
    });
    await expect(provider()).rejects.toMatchObject({ name: "CredentialRefreshError", retryable: false });
    provider.dispose();
  });

  it("refreshes from a caller when its timer never fired (a suspended machine)", async () => {
    let now = T0;
    const stuck: Clock = { now: () => now, sleep: () => new Promise(() => undefined) };
    const upstream = source(stuck, HOUR);
    const provider = refreshAhead({ clock: stuck, random: () => 0 })(upstream.provider);
    const first = await provider();
    now += 50 * MINUTE; // inside the window
    expect(await provider()).toBe(first); // served at once...
    await settle();
    expect(upstream.calls).toBe(2); // ...and the refresh it was owed has started
    expect((await provider()).accessKeyId).toBe("ASIATEST00000002");
  });

  it("keeps the process alive while a caller waits on an attempt's timeout", () => {
    const root = join(__dirname, "..", "..");
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", join(__dirname, "../support/probes/waitOnTimeout.ts")],
      {
        cwd: root,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
        encoding: "utf8",
        timeout: 20_000,
      },
    );
    expect(child.stderr).toBe("");
    expect(child.stdout).toMatch(/^rejected: .*did not answer within 200 ms/);
    expect(child.status).toBe(0);
  });

  it("holds the process with one timer only while callers wait, and lets go once each has its answer", async () => {
    // The hold is a real interval (the process must not exit under a waiting caller); one left behind
    // would keep every program that ever waited alive. Counted as set and cleared, by spying on both.
    const held = new Set<unknown>();
    const set = jest.spyOn(global, "setInterval").mockImplementation(((_fn: () => void, ms: number) => {
      expect(ms).toBeGreaterThan(2 ** 29);
      const handle = {}; // a stand-in: nothing runs, nothing is left behind
      held.add(handle);
      return handle;
    }) as unknown as typeof setInterval);
    const clear = jest.spyOn(global, "clearInterval").mockImplementation((handle) => {
      held.delete(handle);
    });
    try {
      const clock = manualClock(T0);
      const upstream = controlledProvider();
      const provider = refreshAhead({ clock })(upstream.provider);

      // Callers without a signal, and one whose signal gives up: one timer for them all.
      const leaving = new AbortController();
      const waiting = [provider(), provider(), provider({ signal: leaving.signal })];
      const left = waiting[2]!.catch((error: unknown) => error);
      await settle();
      expect(held.size).toBe(1);
      leaving.abort(new Error("gave up"));
      await left;
      expect(held.size).toBe(1); // the others still wait
      upstream.succeed(credentialsAt(clock, HOUR, 1));
      await Promise.all(waiting.slice(0, 2));
      await settle();
      expect(held.size).toBe(0);
      await provider(); // a cache hit never holds
      expect(set).toHaveBeenCalledTimes(1);

      // A refresh that fails lets go too.
      await clock.advance(HOUR);
      const failing = provider().catch((error: unknown) => error);
      await settle();
      expect(held.size).toBe(1);
      upstream.fail(denied());
      expect(await failing).toBeInstanceOf(CredentialRefreshError);
      await settle();
      expect(held.size).toBe(0);
      expect(set).toHaveBeenCalledTimes(2);
      provider.dispose();
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
  });

  it("stops background work on dispose(), and with Symbol.asyncDispose", async () => {
    for (const stop of ["dispose", "asyncDispose"] as const) {
      const clock = manualClock(T0);
      const upstream = source(clock, HOUR);
      const provider = refreshAhead({ clock })(upstream.provider);
      await provider();
      expect(clock.pendingSleeps).toBe(1);
      if (stop === "dispose") provider.dispose();
      else await provider[Symbol.asyncDispose]();
      expect(clock.pendingSleeps).toBe(0);
      await clock.advance(2 * HOUR);
      expect(upstream.calls).toBe(1);
      await expect(provider()).resolves.toMatchObject({ accessKeyId: "ASIATEST00000002" }); // on demand
    }
  });

  it("reports where it stands, without secrets", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const provider = refreshAhead({ clock, random: () => 0 })(upstream.provider);
    expect(provider.status()).toMatchObject({ phase: "empty", refreshing: false, failures: 0 });
    const credentials = await provider();
    expect(provider.status()).toMatchObject({
      phase: "fresh",
      expiration: credentials.expiration,
      advisoryWindowMs: 15 * MINUTE,
      mandatoryWindowMs: MINUTE,
      refreshAt: new Date(T0 + 45 * MINUTE),
    });
    upstream.fail(outage());
    await clock.advance(45 * MINUTE);
    const status = provider.status();
    expect(status).toMatchObject({ phase: "advisory", failures: 1 });
    const shown = inspect(status, { depth: 5 }) + JSON.stringify(status);
    expect(shown).not.toContain(credentials.secretAccessKey);
    expect(shown).not.toContain(credentials.sessionToken);
    provider.dispose();
  });

  it("logs one line per event to an SDK-style logger, without secrets", async () => {
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
    const log = logger();
    const events: RefreshEvent[] = [];
    const provider = refreshAhead({
      clock,
      random: () => 0,
      backoff: () => 1_000,
      logger: log,
      onEvent: (e) => events.push(e),
    })(upstream.provider);
    const issued = await provider();
    upstream.fail(outage());
    await clock.advance(61 * MINUTE);
    await provider().catch(() => undefined); // past the expiration: nothing to serve, an error
    provider.invalidate(issued.accessKeyId);

    expect(log.lines.map(([level]) => level)).toEqual(expect.arrayContaining(["debug", "warn", "error"]));
    expect(
      log.lines.find(([, line]) => line.includes("serving the current credentials until")),
    ).toBeDefined();
    expect(log.lines.find(([, line]) => line.includes("expired"))).toBeDefined();
    const everything = [
      ...log.lines.map(([, line]) => line),
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
    const clock = manualClock(T0);
    const upstream = source(clock, HOUR);
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

  it("rejects bad options at construction, and windows that cannot work together", () => {
    expect(() => refreshAhead({ mandatoryWindowMs: -1 })).toThrow(InvalidOptionsError);
    expect(() => refreshAhead({ jitter: 2 })).toThrow(/jitter: a number from 0 to 1/);
    expect(() => refreshAhead({ logger: {} as never })).toThrow(/logger: a logger/);
    expect(() => refreshAhead({ windowMs: 5 } as never)).toThrow(/windowMs: is not a known option/);
    expect(() => refreshAhead({ advisoryWindowMs: MINUTE, mandatoryWindowMs: MINUTE })).toThrow(
      /mandatoryWindowMs: must be shorter than advisoryWindowMs \(60000\)/,
    );
    expect(() => refreshAhead({ serveExpired: "yes" as never })).toThrow(/serveExpired/);
  });
});

describe("refreshAhead: hooks and sources that misbehave", () => {
  const warnings = () => {
    const spy = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    return {
      spy,
      restore: () => {
        spy.mockRestore();
      },
    };
  };

  it.each([
    ["0", () => 0],
    ["a negative number", () => -5],
    ["NaN", () => Number.NaN],
    ["Infinity", () => Number.POSITIVE_INFINITY],
    ["a string", () => "60000" as unknown as number],
    [
      "nothing but throws",
      () => {
        throw new Error("backoff broke");
      },
    ],
  ])("never loops when backoff returns %s", async (_label, backoff) => {
    const w = warnings();
    try {
      const clock = manualClock(T0);
      const upstream = source(clock, HOUR);
      const provider = refreshAhead({ clock, backoff, random: () => 0 })(upstream.provider);
      await provider();
      upstream.fail(outage());
      await clock.advance(50 * MINUTE);
      // At least a second between attempts, at most a day: 5 minutes make 300 calls at the very most.
      expect(upstream.calls - 1).toBeLessThanOrEqual(301);
      expect(upstream.calls - 1).toBeGreaterThanOrEqual(1);
      expect(provider.status().refreshing).toBe(false);
      provider.dispose();
    } finally {
      w.restore();
    }
  });

  it("recovers when its random source throws or answers NaN, and warns once", async () => {
    for (const random of [
      () => Number.NaN,
      () => {
        throw new Error("rng broke");
      },
    ]) {
      const w = warnings();
      try {
        const clock = manualClock(T0);
        const upstream = source(clock, HOUR);
        const provider = refreshAhead({ clock, random })(upstream.provider);
        await provider();
        expect(provider.status().refreshAt).toBeDefined(); // background refresh still planned
        for (let i = 0; i < 240; i++) {
          await clock.advance(MINUTE);
          await provider();
        }
        // Four hours of one-hour credentials: refreshed about once an hour, never stuck in flight.
        expect(upstream.calls).toBeGreaterThanOrEqual(4);
        expect(upstream.calls).toBeLessThanOrEqual(6);
        expect(w.spy).toHaveBeenCalledWith(expect.stringMatching(/the random option/), {
          code: "AWS_REFRESH_SESSION_HOOK",
        });
        provider.dispose();
      } finally {
        w.restore();
      }
    }
  });

  it("takes credentials no newer than those held for a failed refresh, not for a reason to refresh again", async () => {
    const clock = manualClock(T0);
    const expiration = new Date(T0 + HOUR);
    let calls = 0;
    const provider = refreshAhead({ clock })(() => {
      calls++;
      return Promise.resolve({ accessKeyId: "AKID", secretAccessKey: "s", expiration });
    });
    await provider();
    await clock.advance(HOUR - 1);
    // Backed off between attempts: a handful of calls, not a burst towards the expiration.
    expect(calls).toBeLessThanOrEqual(10);
    expect(await provider()).toMatchObject({ accessKeyId: "AKID" });
    provider.dispose();
  });

  it("drops the raw HTTP response the SDK hangs on its errors, where a cut-off answer can hold a secret", () => {
    const sdkFailure = Object.assign(new Error("Deserialization error"), { name: "SyntaxError" });
    Object.defineProperty(sdkFailure, "$response", {
      value: { body: "<SecretAccessKey>SECRET</SecretAccessKey>" },
      enumerable: false,
      configurable: true,
    });
    Object.defineProperty(sdkFailure, "$responseBodyText", {
      value: "<SecretAccessKey>SECRET",
      enumerable: false,
      configurable: true,
    });
    const error = new CredentialRefreshError("STS answered something unreadable", {
      retryable: true,
      cause: sdkFailure,
    });
    expect(inspect(error, { showHidden: true, depth: 10 })).not.toContain("SECRET");
  });
});

describe("refreshAhead at dispose and with plain sources", () => {
  it("stops a refresh nobody waits for when disposed, and lets one a caller waits for finish", async () => {
    const clock = manualClock();
    const upstream = controlledProvider();
    const abandoned = refreshAhead({ clock })(upstream.provider);
    const controller = new AbortController();
    const leaving = abandoned({ signal: controller.signal }).catch((error: unknown) => error);
    await settle();
    const signal = upstream.lastOptions()?.signal;
    controller.abort();
    await leaving;
    expect(signal?.aborted).toBe(false);
    abandoned.dispose();
    // An MFA prompt or a hung STS below it sees the signal and stops: the process can exit at once.
    expect(signal?.aborted).toBe(true);

    const other = controlledProvider();
    const waited = refreshAhead({ clock })(other.provider);
    const caller = waited();
    await settle();
    const waitedSignal = other.lastOptions()?.signal;
    waited.dispose();
    expect(waitedSignal?.aborted).toBe(false);
    other.succeed(credentialsAt(clock, HOUR, 7));
    await expect(caller).resolves.toMatchObject({ accessKeyId: "ASIATEST00000007" });
  });

  it("hands out credentials that redact their secrets, whatever the source returned", async () => {
    const clock = manualClock();
    const plain = (): Promise<Credentials> =>
      Promise.resolve({
        accessKeyId: "ASIAPLAIN0000000001",
        secretAccessKey: "plain-SECRET-key",
        sessionToken: "plain-SECRET-token",
        expiration: new Date(clock.now() + HOUR),
      });
    const credentials = refreshAhead({ clock })(plain);
    const got = await credentials();
    expect(got.secretAccessKey).toBe("plain-SECRET-key");
    expect(JSON.stringify(got)).not.toContain("SECRET");
    expect(inspect(got, { depth: 5 })).not.toContain("SECRET");
    expect(JSON.stringify(got)).toContain("ASIAPLAIN0000000001");
    credentials.dispose();
  });
});
