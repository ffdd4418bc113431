import {
  assumeRole,
  CredentialRefreshError,
  InvalidOptionsError,
  withTimeout,
  type ProviderOptions,
} from "../../src";
import { checkedElsewhere } from "../../src/errors/InvalidOptionsError";
import { manualClock } from "../../src/testing";
import { fakeSts } from "../support/fakeSts";
import { controlledProvider, credentialsAt, settle } from "../support/scripted";

describe("withTimeout", () => {
  it("abandons a call that does not answer in time, aborting it, with a retryable error", async () => {
    const clock = manualClock();
    const upstream = controlledProvider();
    const provider = withTimeout(5_000, { clock })(upstream.provider);
    const outcome = provider().catch((e: unknown) => e);
    await settle();
    const upstreamSignal = upstream.lastOptions()?.signal;
    expect(upstreamSignal?.aborted).toBe(false);

    await clock.advance(4_999);
    expect(upstreamSignal?.aborted).toBe(false);
    await clock.advance(1);
    const error = (await outcome) as CredentialRefreshError;
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect(error).toMatchObject({
      retryable: true,
      message: "the credential source did not answer within 5000 ms",
    });
    expect(upstreamSignal?.aborted).toBe(true);
  });

  it("takes options a policy checked as they are, with their other fields", async () => {
    const clock = manualClock();
    const upstream = controlledProvider();
    // A policy's checked options: fields of its own beside the clock, which withTimeout alone rejects.
    const checked = checkedElsewhere({ clock, attemptTimeoutMs: 5_000, roleArn: "arn" });
    expect(() => withTimeout(5_000, { ...checked })).toThrow(InvalidOptionsError);
    const outcome = withTimeout(5_000, checked)(upstream.provider)().catch((e: unknown) => e);
    await clock.advance(5_000);
    expect(await outcome).toBeInstanceOf(CredentialRefreshError);
  });

  it("clears its timer when the call answers in time", async () => {
    const clock = manualClock();
    const upstream = controlledProvider();
    const provider = withTimeout(5_000, { clock })(upstream.provider);
    const call = provider();
    await settle();
    expect(clock.pendingSleeps).toBe(1);
    upstream.succeed(credentialsAt(clock, 60_000));
    await expect(call).resolves.toMatchObject({ accessKeyId: "ASIATEST00000001" });
    expect(clock.pendingSleeps).toBe(0);
  });

  it("passes the caller's abort on to the call", async () => {
    const clock = manualClock();
    let seen: ProviderOptions | undefined;
    const provider = withTimeout(5_000, { clock })(
      (options) =>
        new Promise((_, reject) => {
          seen = options;
          options?.signal?.addEventListener("abort", () => {
            reject(options.signal?.reason as Error);
          });
        }),
    );
    const controller = new AbortController();
    const call = provider({ signal: controller.signal });
    await settle();
    controller.abort(new Error("caller gave up"));
    await expect(call).rejects.toThrow("caller gave up");
    expect(seen?.signal?.aborted).toBe(true);
  });

  it("rejects a negative timeout at construction", () => {
    expect(() => withTimeout(-1)).toThrow(InvalidOptionsError);
  });
});

describe("withTimeout's message", () => {
  const hang = () => new Promise<never>(() => undefined);

  it("names the source: given, carried by our sources, or a generic one", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock, [], { gate: new Promise(() => undefined) });
    const role = assumeRole({
      roleArn: "arn:aws:iam::123456789012:role/Reader",
      stsClient: sts.client,
      clock,
    });
    const messages: string[] = [];
    for (const provider of [
      withTimeout(5_000, { clock, name: "the vault" })(hang),
      withTimeout(5_000, { clock })(role),
      withTimeout(5_000, { clock })(hang),
    ]) {
      const outcome = provider().then(
        () => "answered",
        (e: unknown) => (e as Error).message,
      );
      await clock.advance(5_000);
      messages.push(await outcome);
    }
    expect(messages).toEqual([
      "the vault did not answer within 5000 ms",
      "STS AssumeRole for arn:aws:iam::123456789012:role/Reader did not answer within 5000 ms",
      "the credential source did not answer within 5000 ms",
    ]);
  });

  it("rejects a timeout a timer cannot wait, 0, NaN and Infinity at construction", () => {
    for (const ms of [2 ** 31, 0, NaN, Infinity]) {
      expect(() => withTimeout(ms)).toThrow(InvalidOptionsError);
    }
    expect(() => withTimeout(2 ** 31)).toThrow(
      /ms: at most 2147483647 ms, the longest a timer can wait \(about 24\.8 days\) \(got 2147483648\)/,
    );
    expect(() => withTimeout(2 ** 31 - 1)).not.toThrow();
  });
});
