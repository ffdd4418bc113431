import { pipe } from "fp-ts/function";
import * as O from "fp-ts/Option";
import { CredentialRefreshError, InvalidOptionsError, retryWith, type RetryEvent } from "../../src";
import { constantDelay, limitRetries, RetryPolicyMonoid } from "../../src/pipeline/retryPolicy";
import { checkedElsewhere } from "../../src/errors/InvalidOptionsError";
import { manualClock } from "../../src/testing";
import { credentialsAt, scriptedProvider, sdkError, settle } from "../support/scripted";

const HOUR = 3_600_000;
const everySecond = (retries: number) =>
  RetryPolicyMonoid.concat(constantDelay(1_000), limitRetries(retries));

describe("retryWith", () => {
  it("retries a throttled provider after the policy's delays, waiting on the clock", async () => {
    const clock = manualClock();
    const upstream = scriptedProvider([
      sdkError("Throttling", 400),
      sdkError("ServiceUnavailable", 503),
      () => credentialsAt(clock, HOUR),
    ]);
    const events: RetryEvent[] = [];
    const provider = pipe(
      upstream.provider,
      retryWith(everySecond(3), { clock, onRetry: (e) => events.push(e) }),
    );

    let settled = false;
    const result = provider().finally(() => (settled = true));
    await settle();
    expect(upstream.calls).toBe(1);
    await clock.advance(999);
    expect(upstream.calls).toBe(1);
    await clock.advance(1);
    expect(upstream.calls).toBe(2);
    expect(settled).toBe(false);
    await clock.advance(1_000);
    await expect(result).resolves.toMatchObject({ accessKeyId: "ASIATEST00000001" });
    expect(upstream.calls).toBe(3);
    expect(events.map(({ attempts, delayMs }) => ({ attempts, delayMs }))).toEqual([
      { attempts: 1, delayMs: 1_000 },
      { attempts: 2, delayMs: 1_000 },
    ]);
    expect(events[0]?.error.cause).toMatchObject({ name: "Throttling" });
  });

  it.each([
    ["AccessDenied", 403],
    ["ValidationError", 400],
    ["RegionDisabledException", 403],
  ])("fails at once on %s, without waiting", async (name, status) => {
    const clock = manualClock();
    const upstream = scriptedProvider([sdkError(name, status)]);
    const provider = retryWith(everySecond(5), { clock })(upstream.provider);

    const error = (await provider().catch((e: unknown) => e)) as CredentialRefreshError;
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect(error).toMatchObject({ retryable: false, attempts: 1, tryNextLink: false });
    expect((error.cause as Error).name).toBe(name);
    expect(upstream.calls).toBe(1);
    expect(clock.pendingSleeps).toBe(0);
  });

  it("gives up when the policy says so, with the attempt count and the last cause", async () => {
    const clock = manualClock();
    const last = sdkError("InternalFailure", 500);
    const upstream = scriptedProvider([sdkError("Throttling", 400), sdkError("Throttling", 400), last]);
    const provider = retryWith(everySecond(2), { clock })(upstream.provider);

    const outcome = provider().catch((e: unknown) => e);
    await clock.advance(2_000);
    const error = (await outcome) as CredentialRefreshError;
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect(error).toMatchObject({ retryable: true, attempts: 3 });
    // A plain record of the last cause, not the SDK's object.
    expect(error.cause).toMatchObject({ name: "InternalFailure", message: "InternalFailure happened" });
    expect(error.message).toContain("InternalFailure");
  });

  it("classifies each failure once: onRetry hears the error that is thrown when it gives up", async () => {
    const clock = manualClock();
    const heard: RetryEvent[] = [];
    const upstream = scriptedProvider([sdkError("Throttling", 400), sdkError("Throttling", 400)]);
    const provider = retryWith(everySecond(1), { clock, onRetry: (event) => heard.push(event) })(
      upstream.provider,
    );
    const outcome = provider().catch((e: unknown) => e);
    await clock.advance(1_000);
    const error = await outcome;
    expect(heard).toHaveLength(1);
    expect(heard[0]?.error).toMatchObject({ retryable: true, attempts: 1 });
    expect(error).toMatchObject({ retryable: true, attempts: 2 });
  });

  it("takes options a policy checked as they are, with their other fields", async () => {
    const clock = manualClock();
    // A policy's checked options: fields of its own beside the clock, which retryWith alone rejects.
    const checked = checkedElsewhere({ clock, attemptTimeoutMs: 5_000, roleArn: "arn" });
    expect(() => retryWith(everySecond(1), { ...checked })).toThrow(InvalidOptionsError);
    const upstream = scriptedProvider([sdkError("Throttling", 400), credentialsAt(clock, 3_600_000)]);
    const outcome = retryWith(everySecond(1), checked)(upstream.provider)();
    await clock.advance(1_000);
    await expect(outcome).resolves.toMatchObject({ accessKeyId: expect.any(String) as string });
  });

  it("counts the STS client's own attempts, so retries never multiply unseen", async () => {
    const clock = manualClock();
    // An STS client configured with maxAttempts: 3 reports its tries in $metadata.attempts.
    const upstream = scriptedProvider([sdkError("Throttling", 400, 3), sdkError("Throttling", 400, 3)]);
    const provider = retryWith(everySecond(1), { clock })(upstream.provider);
    const outcome = provider().catch((e: unknown) => e);
    await clock.advance(1_000);
    expect(await outcome).toMatchObject({ attempts: 6, retryable: true });
  });

  it("passes the caller's signal to the provider and stops waiting when it aborts", async () => {
    const clock = manualClock();
    const seen: Array<AbortSignal | undefined> = [];
    const controller = new AbortController();
    const provider = retryWith(everySecond(5), { clock })((options) => {
      seen.push(options?.signal);
      return Promise.reject(sdkError("Throttling", 400));
    });
    const outcome = provider({ signal: controller.signal }).catch((e: unknown) => e);
    await settle();
    expect(clock.pendingSleeps).toBe(1);
    controller.abort();
    expect(await outcome).toMatchObject({ name: "AbortError" });
    expect(seen).toEqual([controller.signal]);
    expect(clock.pendingSleeps).toBe(0);
  });

  it("uses a custom classification when given one", async () => {
    const clock = manualClock();
    const upstream = scriptedProvider([new Error("flaky IdP"), () => credentialsAt(clock, HOUR)]);
    const provider = retryWith(everySecond(1), {
      clock,
      isRetryable: (error) => (error as Error).message === "flaky IdP",
    })(upstream.provider);
    const result = provider();
    await clock.advance(1_000);
    await expect(result).resolves.toMatchObject({ accessKeyId: "ASIATEST00000001" });
  });

  it("retries a plain error from a custom provider: only a non-recoverable code is not retried", async () => {
    const clock = manualClock();
    const bug = new TypeError("cannot read properties of undefined");
    const upstream = scriptedProvider([bug]);
    const provider = retryWith(everySecond(3), { clock })(upstream.provider);
    const outcome = provider().catch((e: unknown) => e);
    await clock.advance(3_000);
    const error = (await outcome) as CredentialRefreshError;
    // One classification: not on the non-recoverable list, so retryable now and recoverable later.
    expect(upstream.calls).toBe(4);
    expect(error).toMatchObject({ retryable: true, attempts: 4 });
    expect(error.cause).toEqual({ name: "TypeError", message: "cannot read properties of undefined" });
  });

  it("rejects a policy or options of the wrong shape at construction", () => {
    expect(() => retryWith("fast" as never)).toThrow(InvalidOptionsError);
    expect(() => retryWith(undefined, { onRetry: 1 } as never)).toThrow(/onRetry: a function/);
    expect(() => retryWith(undefined, { retries: 3 } as never)).toThrow(/retries: is not a known option/);
  });

  it("accepts any retry-ts style policy (status) => Option<delay>", async () => {
    const clock = manualClock();
    const delays: number[] = [];
    const policy = (status: { iterNumber: number }) =>
      status.iterNumber < 2 ? O.some((status.iterNumber + 1) * 10) : O.none;
    const provider = retryWith(policy, { clock, onRetry: ({ delayMs }) => delays.push(delayMs) })(
      scriptedProvider([sdkError("Throttling", 400)]).provider,
    );
    const outcome = provider().catch((e: unknown) => e);
    await clock.advance(30);
    expect(await outcome).toMatchObject({ attempts: 3 });
    expect(delays).toEqual([10, 20]);
  });

  it("keeps the verdict a CredentialRefreshError carries: the source classified it, once", async () => {
    const final = new CredentialRefreshError("the MFA token code must be 6 digits", { retryable: false });
    const retried = retryWith(limitRetries(2), { isRetryable: () => true, clock: manualClock() })(() =>
      Promise.reject(final),
    );
    const outcome = retried().catch((error: unknown) => error);
    await settle();
    await expect(outcome).resolves.toMatchObject({
      name: "CredentialRefreshError",
      retryable: false,
      attempts: 3,
    });
  });
});
