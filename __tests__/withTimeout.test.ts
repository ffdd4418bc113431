import { CredentialRefreshError, InvalidOptionsError, withTimeout, type ProviderOptions } from "../src";
import { manualClock } from "../src/testing";
import { controlledProvider, credentialsAt, settle } from "./support/scripted";

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
