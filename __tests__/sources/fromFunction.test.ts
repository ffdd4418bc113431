import { inspect } from "node:util";
import { limitRetries } from "retry-ts";
import { CredentialRefreshError, fromFunction, refreshing, session } from "../../src";
import { manualClock } from "../../src/testing";

const region = "us-east-1";
const HOUR = 3_600_000;

describe("fromFunction", () => {
  it("validates what the function returns, accepting a Date, an ISO string or epoch ms as expiration", async () => {
    const expiration = new Date(Date.UTC(2030, 0, 1));
    for (const given of [expiration, expiration.toISOString(), expiration.getTime()]) {
      const credentials = await fromFunction(() => ({
        accessKeyId: "ASIAF",
        secretAccessKey: "s",
        sessionToken: "t",
        expiration: given,
      }))();
      expect(credentials).toEqual({
        accessKeyId: "ASIAF",
        secretAccessKey: "s",
        sessionToken: "t",
        expiration,
        $source: { CREDENTIALS_CODE: "e" },
      });
      expect(JSON.stringify(credentials)).not.toContain('"s"');
    }
  });

  it("turns a bad result into an error naming the fields, never their values", async () => {
    const provider = fromFunction(
      () => Promise.resolve({ accessKeyId: "", secretAccessKey: "top-secret", expiration: "soon" }),
      { name: "the vault" },
    );
    const error = (await provider().catch((e: unknown) => e)) as CredentialRefreshError;
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect(error.message).toBe(
      "the vault returned no usable credentials: invalid or missing accessKeyId, expiration",
    );
    expect(error.message).not.toContain("top-secret");
    // A garbled answer, like a cut-off STS body: the source's next answer may be whole.
    expect(error.retryable).toBe(true);
  });

  it("hides keys and tokens in what a failing source says, and keeps only a record of its error", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const thrown = Object.assign(new Error(`vault refused secret ${secret}`), {
      name: "VaultError",
      code: "E42",
    });
    Object.defineProperty(thrown, "raw", { value: secret, enumerable: false, configurable: false });
    const viaFunction = (await fromFunction(() => Promise.reject(thrown), { name: "the vault" })().catch(
      (e: unknown) => e,
    )) as CredentialRefreshError;
    const clock = manualClock();
    const wrapped = refreshing(() => Promise.reject(thrown), { clock, retryPolicy: limitRetries(0) });
    const viaRefreshing = (await wrapped().catch((e: unknown) => e)) as CredentialRefreshError;
    for (const error of [viaFunction, viaRefreshing, wrapped.status().lastError]) {
      expect(error).toBeInstanceOf(CredentialRefreshError);
      expect(error?.message).toMatch(/VaultError: vault refused secret \[hidden\]$/);
      expect(error?.cause).toEqual({
        name: "VaultError",
        code: "E42",
        message: "vault refused secret [hidden]",
      });
      expect(inspect(error, { showHidden: true, depth: Infinity })).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
    }
    wrapped.dispose();
    // The caller's error is left as it was.
    expect(thrown.message).toContain(secret);
  });

  it("refreshes through refreshing() and session({ source })", async () => {
    const clock = manualClock();
    let calls = 0;
    const source = fromFunction(() => ({
      accessKeyId: `ASIAF${++calls}`,
      secretAccessKey: "s",
      expiration: new Date(clock.now() + HOUR),
    }));
    const aws = session({ region, source, clock, random: () => 0 });
    await aws.credentials();
    await clock.advance(45 * 60_000);
    expect((await aws.credentials()).accessKeyId).toBe("ASIAF2");
    aws.destroy();
  });

  it("checks its options", () => {
    const fetch = () => Promise.resolve({ accessKeyId: "AKIA", secretAccessKey: "s" });
    expect(() => fromFunction(fetch, { name: 5 } as never)).toThrow(/name: a non-empty string/);
    expect(() => fromFunction(fetch, { nmae: "x" } as never)).toThrow(
      /nmae: is not a known option; did you mean name\?/,
    );
    expect(() => fromFunction(fetch, "vault" as never)).toThrow(/an options object/);
  });
});
