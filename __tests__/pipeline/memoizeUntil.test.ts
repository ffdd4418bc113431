import { STSClient } from "@aws-sdk/client-sts";
import { fc, test as fcTest } from "@fast-check/jest";
import { CredentialRefreshError, InvalidOptionsError, memoizeUntil, type Credentials } from "../../src";
import { refreshIntentOf } from "../../src/core/refreshIntent";
import { manualClock } from "../../src/testing";

/** The symbol of the library's private channel (see core/refreshIntent): the only other key passed on. */
const REFRESH_INTENT = Symbol.for("aws-refresh-session.refreshIntent");
import { controlledProvider, credentialsAt, scriptedProvider, settle } from "../support/scripted";

const HOUR = 3_600_000;

describe("memoizeUntil", () => {
  it("reuses the credentials until their expiration, then fetches new ones", async () => {
    const clock = manualClock();
    const upstream = scriptedProvider([
      () => credentialsAt(clock, HOUR, 1),
      () => credentialsAt(clock, HOUR, 2),
    ]);
    const provider = memoizeUntil({ clock })(upstream.provider);

    const first = await provider();
    await clock.advance(HOUR - 1);
    expect(await provider()).toBe(first);
    expect(upstream.calls).toBe(1);

    await clock.advance(1); // now === expiration: no longer usable
    const second = await provider();
    expect(second.accessKeyId).toBe(credentialsAt(clock, 0, 2).accessKeyId);
    expect(upstream.calls).toBe(2);
  });

  it.each([
    ["a cold cache", false],
    ["an expired cache", true],
  ])("makes exactly one upstream call for 10,000 concurrent callers on %s", async (_label, warmFirst) => {
    const clock = manualClock();
    const upstream = controlledProvider();
    const provider = memoizeUntil({ clock })(upstream.provider);
    if (warmFirst) {
      const warming = provider();
      await settle();
      upstream.succeed(credentialsAt(clock, 1_000, 1));
      await warming;
      await clock.advance(1_000);
    }
    const callsBefore = upstream.calls;

    const callers = Array.from({ length: 10_000 }, () => provider());
    await settle();
    expect(upstream.calls - callsBefore).toBe(1);
    upstream.succeed(credentialsAt(clock, HOUR, 2));
    const results = await Promise.all(callers);

    expect(new Set(results).size).toBe(1);
    expect(results[0]?.accessKeyId).toBe("ASIATEST00000002");
    expect(upstream.maxInFlight).toBe(1);
  });

  it("does not cache a failure: every waiting caller gets it, typed, and the next call tries again", async () => {
    const clock = manualClock();
    const upstream = controlledProvider();
    const provider = memoizeUntil({ clock })(upstream.provider);
    const failure = new Error("STS is down");

    const waiting = [provider(), provider(), provider()];
    await settle();
    upstream.fail(failure);
    const reasons = (await Promise.allSettled(waiting)).map((result) =>
      result.status === "rejected" ? (result.reason as CredentialRefreshError) : undefined,
    );
    expect(new Set(reasons).size).toBe(1);
    expect(reasons[0]).toBeInstanceOf(CredentialRefreshError);
    expect(reasons[0]?.cause).toEqual({ name: "Error", message: failure.message });

    const retry = provider();
    await settle();
    expect(upstream.calls).toBe(2);
    upstream.succeed(credentialsAt(clock, HOUR));
    await expect(retry).resolves.toMatchObject({ accessKeyId: "ASIATEST00000001" });
  });

  it.each([
    ["already expired", -1],
    ["expiring exactly now", 0],
  ])("never returns credentials that arrive %s, and does not cache them", async (_label, ttl) => {
    const clock = manualClock();
    const upstream = scriptedProvider([
      () => credentialsAt(clock, ttl, 1),
      () => credentialsAt(clock, HOUR, 2),
    ]);
    const provider = memoizeUntil({ clock })(upstream.provider);

    const error = await provider().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect((error as CredentialRefreshError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/had already expired \(at .*, now .*\)/);

    await expect(provider()).resolves.toMatchObject({ accessKeyId: "ASIATEST00000002" });
  });

  it("fetches again as soon as the credentials it just handed out expire", async () => {
    const clock = manualClock();
    const upstream = controlledProvider();
    const provider = memoizeUntil({ clock })(upstream.provider);
    const caller = provider();
    await settle();
    const credentials = credentialsAt(clock, 10, 1);
    upstream.succeed(credentials);
    // The same credentials, in a copy that redacts its secrets.
    await expect(caller).resolves.toEqual(credentials);
    await clock.advance(10);
    const late = provider();
    await settle();
    expect(upstream.calls).toBe(2);
    upstream.succeed(credentialsAt(clock, HOUR, 2));
    await expect(late).resolves.toMatchObject({ accessKeyId: "ASIATEST00000002" });
  });

  it("skips the cache on forceRefresh, yet joins the call already in flight", async () => {
    const clock = manualClock();
    const upstream = controlledProvider();
    const provider = memoizeUntil({ clock })(upstream.provider);
    const warm = provider();
    await settle();
    upstream.succeed(credentialsAt(clock, HOUR, 1));
    await warm;

    const forced = [provider({ forceRefresh: true }), provider({ forceRefresh: true }), provider()];
    await settle();
    expect(upstream.calls).toBe(2);
    expect(upstream.lastOptions()).toEqual({
      forceRefresh: true,
      signal: expect.any(AbortSignal),
      [REFRESH_INTENT]: expect.anything(),
    });
    expect(refreshIntentOf(upstream.lastOptions())).toEqual({
      background: false,
      replacing: "ASIATEST00000001",
    });
    upstream.succeed(credentialsAt(clock, HOUR, 2));
    const [a, b, cached] = await Promise.all(forced);
    expect(a?.accessKeyId).toBe("ASIATEST00000002");
    expect(b).toBe(a);
    // A plain call while the cache was still fresh got the cached credentials, not the new ones.
    expect(cached?.accessKeyId).toBe("ASIATEST00000001");
  });

  it("lets a caller stop waiting with a signal, without cancelling the call others share", async () => {
    const clock = manualClock();
    const upstream = controlledProvider();
    const provider = memoizeUntil({ clock })(upstream.provider);
    const controller = new AbortController();

    const impatient = provider({ signal: controller.signal });
    const patient = provider();
    await settle();
    // The shared call gets a signal of its own (dispose() may stop it), not a caller's.
    const shared = upstream.lastOptions()?.signal;
    expect(shared).not.toBe(controller.signal);
    controller.abort();
    await expect(impatient).rejects.toMatchObject({ name: "AbortError" });
    expect(shared?.aborted).toBe(false);

    upstream.succeed(credentialsAt(clock, HOUR, 1));
    await expect(patient).resolves.toMatchObject({ accessKeyId: "ASIATEST00000001" });
    expect(upstream.calls).toBe(1);
  });

  it("leaves no unhandled rejection when every caller has stopped waiting before the call fails", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const clock = manualClock();
      const upstream = controlledProvider();
      const provider = memoizeUntil({ clock })(upstream.provider);
      const controller = new AbortController();
      const caller = provider({ signal: controller.signal });
      await settle();
      controller.abort();
      await expect(caller).rejects.toMatchObject({ name: "AbortError" });
      upstream.fail(new Error("nobody is listening"));
      await settle();
      await settle();
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("keeps credentials without an expiration for good", async () => {
    const clock = manualClock();
    const upstream = scriptedProvider([{ accessKeyId: "AKIASTATIC", secretAccessKey: "static" }]);
    const provider = memoizeUntil({ clock })(upstream.provider);
    await provider();
    await clock.advance(365 * 24 * HOUR);
    await provider();
    expect(upstream.calls).toBe(1);
  });

  it("survives an upstream that throws synchronously, and tries again next time", async () => {
    const clock = manualClock();
    let calls = 0;
    const provider = memoizeUntil({ clock })(() => {
      calls++;
      if (calls === 1) throw new Error("sync failure");
      return Promise.resolve(credentialsAt(clock, HOUR));
    });
    await expect(provider()).rejects.toThrow("sync failure");
    await expect(provider()).resolves.toMatchObject({ accessKeyId: "ASIATEST00000001" });
  });

  it("is used as it is by SDK clients, which then follow its clock instead of their own 5-minute window", async () => {
    // The manual clock runs years ahead of Date.now(): an SDK cache keyed on Date.now() would keep
    // the first credentials forever; ours must replace them when *our* clock says they expired.
    const clock = manualClock(Date.UTC(2035, 0, 1));
    const upstream = scriptedProvider([
      () => credentialsAt(clock, HOUR, 1),
      () => credentialsAt(clock, HOUR, 2),
    ]);
    const provider = memoizeUntil({ clock })(upstream.provider);
    expect(provider.memoized).toBe(true);

    const sts = new STSClient({ region: "us-east-1", credentials: provider });
    expect((await sts.config.credentials()).accessKeyId).toBe("ASIATEST00000001");
    await clock.advance(HOUR);
    expect((await sts.config.credentials()).accessKeyId).toBe("ASIATEST00000002");
    sts.destroy();
  });

  describe("with a margin", () => {
    const MINUTE = 60_000;
    /** A source of two-hour credentials, numbered by call. */
    const twoHours = (clock: ReturnType<typeof manualClock>) => {
      let calls = 0;
      return {
        provider: () => Promise.resolve(credentialsAt(clock, 2 * HOUR, ++calls)),
        get calls() {
          return calls;
        },
      };
    };

    it("replaces the credentials a margin before their expiration and hands out the real expiration", async () => {
      const clock = manualClock();
      const upstream = twoHours(clock);
      const provider = memoizeUntil({ clock, marginMs: 10 * MINUTE })(upstream.provider);
      const first = await provider();
      expect(first.expiration!.getTime()).toBe(clock.now() + 2 * HOUR);
      await clock.advance(110 * MINUTE - 1);
      expect(await provider()).toBe(first);
      await clock.advance(1);
      expect((await provider()).accessKeyId).toBe("ASIATEST00000002");
    });

    it.each([
      ["a larger margin over a smaller one", 10, 1],
      ["a smaller margin over a larger one", 1, 10],
    ])(
      "nests, %s: 6 hours of a 2-hour credential, no failed call, the real expiration",
      async (_label, outer, inner) => {
        const clock = manualClock();
        const upstream = twoHours(clock);
        const vault = memoizeUntil({ clock, marginMs: inner * MINUTE })(upstream.provider);
        // A broker or a vault that is itself a cache, cached again.
        const broker = memoizeUntil({ clock, marginMs: outer * MINUTE })(async (options) => ({
          ...(await vault(options)),
        }));
        let failed = 0;
        for (let minute = 0; minute < 6 * 60; minute++) {
          try {
            const credentials = await broker();
            const real = await vault();
            expect(credentials.expiration!.getTime()).toBeGreaterThan(
              clock.now() + Math.min(outer, inner) * MINUTE - 1,
            );
            if (credentials.accessKeyId === real.accessKeyId)
              expect(credentials.expiration).toEqual(real.expiration);
          } catch {
            failed++;
          }
          await clock.advance(MINUTE);
        }
        expect(failed).toBe(0);
        expect(upstream.calls).toBeLessThanOrEqual(4);
      },
    );

    it("rejects a margin that is not a non-negative number of milliseconds", () => {
      expect(() => memoizeUntil({ marginMs: -1 })).toThrow(InvalidOptionsError);
    });
  });

  it("rejects options that are not a clock, before any call", () => {
    expect(() => memoizeUntil({ clock: { now: 5 } as never })).toThrow(InvalidOptionsError);
    expect(() => memoizeUntil({ clok: {} } as never)).toThrow(/clok: is not a known option/);
  });

  describe("properties", () => {
    type Action =
      | { readonly kind: "call"; readonly callers: number; readonly force: boolean }
      | { readonly kind: "advance"; readonly ms: number }
      | { readonly kind: "succeed"; readonly ttlMs: number }
      | { readonly kind: "fail" };

    const action: fc.Arbitrary<Action> = fc.oneof(
      fc.record({
        kind: fc.constant("call" as const),
        callers: fc.integer({ min: 1, max: 5 }),
        force: fc.boolean(),
      }),
      fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 2 * HOUR }) }),
      fc.record({ kind: fc.constant("succeed" as const), ttlMs: fc.integer({ min: -HOUR, max: 2 * HOUR }) }),
      fc.record({ kind: fc.constant("fail" as const) }),
    );

    fcTest.prop([fc.array(action, { minLength: 1, maxLength: 60 })], { numRuns: 200 })(
      "never returns credentials expired at the moment they are returned, and has at most one upstream call in flight",
      async (actions) => {
        const clock = manualClock();
        const upstream = controlledProvider();
        const provider = memoizeUntil({ clock })(upstream.provider);
        const violations: string[] = [];
        const outstanding: Array<Promise<unknown>> = [];
        let issued = 0;

        const observe = (promise: Promise<Credentials>) =>
          outstanding.push(
            promise.then(
              (credentials) => {
                const expiresAt = credentials.expiration?.getTime() ?? Infinity;
                if (expiresAt <= clock.now()) violations.push(`returned ${expiresAt} at ${clock.now()}`);
              },
              () => undefined,
            ),
          );

        for (const step of actions) {
          if (step.kind === "call") {
            for (let i = 0; i < step.callers; i++)
              observe(provider(step.force ? { forceRefresh: true } : undefined));
          } else if (step.kind === "advance") {
            await clock.advance(step.ms);
          } else if (upstream.inFlight > 0) {
            if (step.kind === "succeed") upstream.succeed(credentialsAt(clock, step.ttlMs, ++issued));
            else upstream.fail(new Error("upstream failed"));
          }
          await settle();
          if (upstream.inFlight > 1) violations.push(`${upstream.inFlight} upstream calls in flight`);
        }
        while (upstream.inFlight > 0) {
          upstream.succeed(credentialsAt(clock, HOUR, ++issued));
          await settle();
        }
        await Promise.all(outstanding);

        expect(violations).toEqual([]);
        expect(upstream.maxInFlight).toBeLessThanOrEqual(1);
      },
    );
  });
});
