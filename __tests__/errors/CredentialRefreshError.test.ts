import { CredentialRefreshError, fromFunction, refreshing } from "../../src";
import { describeError } from "../../src/errors/CredentialRefreshError";
import { manualClock } from "../../src/testing";

describe("describeError", () => {
  it("reads an Error as name: message", () => {
    expect(describeError(Object.assign(new Error("Rate exceeded"), { name: "Throttling" }))).toBe(
      "Throttling: Rate exceeded",
    );
    expect(describeError(new TypeError(""))).toBe("TypeError");
  });

  it.each([
    [undefined, "undefined (not an Error)"],
    [null, "null (not an Error)"],
    [5, "the number 5 (not an Error)"],
    [NaN, "the number NaN (not an Error)"],
    [false, "the boolean false (not an Error)"],
    [10n, "the bigint 10n (not an Error)"],
    [Symbol("boom"), "the symbol Symbol(boom) (not an Error)"],
    [() => undefined, "a function (not an Error)"],
    ["connection refused", 'the string "connection refused" (not an Error)'],
    ["", "an empty string (not an Error)"],
    [{}, "an object with no name, code or message (not an Error)"],
    [
      { code: "ECONNRESET", message: "socket hang up" },
      'an object with code "ECONNRESET", message "socket hang up" (not an Error)',
    ],
    [{ name: "Throttling", code: 429 }, 'an object with name "Throttling", code "429" (not an Error)'],
    [new (class Failure {})(), "an object of class Failure with no name, code or message (not an Error)"],
    [{ message: "x".repeat(500) }, `an object with message "${"x".repeat(197)}..." (not an Error)`],
  ])("describes a thrown %p for what it is", (value, described) => {
    expect(describeError(value)).toBe(described);
  });

  it("never throws, even for a value whose fields throw", () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("no");
        },
        getPrototypeOf() {
          throw new Error("no");
        },
      },
    );
    expect(describeError(hostile)).toBe("a value that could not be described (not an Error)");
  });

  it("is what a failing custom source's error says", async () => {
    const clock = manualClock();
    const provider = refreshing(
      fromFunction(() => {
        throw { code: "VaultSealed" } as unknown as Error;
      }),
      { clock, retryPolicy: () => ({ _tag: "None" }) },
    );
    const error = await provider().then(
      () => undefined,
      (e: unknown) => e,
    );
    provider.dispose();
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect((error as Error).message).toBe(
      'the custom credential source failed: an object with code "VaultSealed" (not an Error)',
    );
  });
});

describe("CredentialRefreshError's message", () => {
  it.each([
    ["a secret key with digits", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
    // About one real key in 900 has no digit.
    ["a secret key without a digit", "wJalrXUtnFEMIKxMDENGbPxRfiCYEXAMPLEKEYab"],
    ["a session token", "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6example"],
  ])("hides %s that a source's error quotes", (_, secret) => {
    const error = new CredentialRefreshError(`the vault said: bad secret=${secret}`, { retryable: true });
    expect(error.message).not.toContain(secret);
    expect(error.message).toContain("the vault said: bad [hidden]");
  });
});

describe("CredentialRefreshError's message shows what is no secret", () => {
  it.each([
    ["a role's ARN", "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"],
    ["a role's ARN with digits", "arn:aws:iam::123456789012:role/DataPipelineReader2024"],
    ["an assumed role's ARN", "arn:aws:sts::123456789012:assumed-role/DataPipelineReader2024/etl-session"],
    ["a flag's hint", "--mandatory-window-seconds=VALUE"],
  ])("shows %s", (_, text) => {
    expect(
      new CredentialRefreshError(`STS AssumeRole for ${text} failed`, { retryable: true }).message,
    ).toContain(text);
  });
});
