import { CredentialRefreshError, isNonRecoverableError, isRetryableError } from "../../src";
import { asCredentialRefreshError, attemptsOf } from "../../src/errors/isRetryableError";
import { sdkError } from "../support/scripted";

const withCode = (code: string) => Object.assign(new Error(`socket ${code}`), { code });

describe("isRetryableError", () => {
  it.each([
    ["Throttling", sdkError("Throttling", 400)],
    ["ThrottlingException", sdkError("ThrottlingException", 400)],
    ["RequestLimitExceeded", sdkError("RequestLimitExceeded", 400)],
    ["HTTP 429", sdkError("SomethingNew", 429)],
    ["HTTP 500", sdkError("InternalFailure", 500)],
    ["HTTP 503", sdkError("ServiceUnavailable", 503)],
    ["TimeoutError", Object.assign(new Error("timed out"), { name: "TimeoutError" })],
    ["ECONNRESET", withCode("ECONNRESET")],
    ["ECONNREFUSED", withCode("ECONNREFUSED")],
    ["ENOTFOUND", withCode("ENOTFOUND")],
    [
      "a clock-skew error the SDK has corrected",
      Object.assign(sdkError("RequestTimeTooSkewed", 403), {
        $metadata: { httpStatusCode: 403, clockSkewCorrected: true },
      }),
    ],
    ["a retryable CredentialRefreshError", new CredentialRefreshError("x", { retryable: true })],
    // Everything whose code is not non-recoverable: an unknown code, a garbled answer, IdP trouble.
    ["an unknown 4xx code", sdkError("SomeNewCode", 400)],
    ["IDPCommunicationError", sdkError("IDPCommunicationError", 400)],
    ["a rejected caller key", sdkError("InvalidClientTokenId", 403)],
    ["a clock-skew error not corrected", sdkError("RequestTimeTooSkewed", 403)],
    [
      "ExpiredTokenException (a web identity token a rotated file replaces)",
      sdkError("ExpiredTokenException", 400),
    ],
    [
      "an SDK parse error of a cut-off body",
      Object.assign(new Error("@aws-sdk XML parse error: missing closing tag"), {
        $metadata: { httpStatusCode: 200 },
      }),
    ],
    ["a plain Error", new Error("boom")],
    ["a string", "boom"],
    ["undefined", undefined],
  ])("retries %s", (_label, error) => {
    expect(isRetryableError(error)).toBe(true);
  });

  it.each([
    ["AccessDenied", sdkError("AccessDenied", 403)],
    ["ValidationError", sdkError("ValidationError", 400)],
    ["MalformedPolicyDocument", sdkError("MalformedPolicyDocument", 400)],
    ["RegionDisabledException", sdkError("RegionDisabledException", 403)],
    [
      "a wrapper whose cause is AccessDenied",
      Object.assign(new Error("token"), { cause: sdkError("AccessDenied", 403) }),
    ],
    ["an abort", Object.assign(new Error("aborted"), { name: "AbortError" })],
    ["a final CredentialRefreshError", new CredentialRefreshError("x", { retryable: false })],
  ])("does not retry %s", (_label, error) => {
    expect(isRetryableError(error)).toBe(false);
  });
});

describe("one classification", () => {
  it("isNonRecoverableError is its complement, and reads a CredentialRefreshError's own verdict", () => {
    for (const error of [sdkError("SomeNewCode", 400), sdkError("AccessDenied", 403), new Error("x"), "y"]) {
      expect(isNonRecoverableError(error)).toBe(!isRetryableError(error));
    }
    // Carried by the error: what its source decided, not looked for again through its cause.
    const decided = new CredentialRefreshError("x", {
      retryable: true,
      cause: sdkError("AccessDenied", 403),
    });
    expect(isRetryableError(decided)).toBe(true);
    expect(isNonRecoverableError(decided)).toBe(false);
  });

  it("asCredentialRefreshError classifies a foreign error once and keeps an error's own verdict", () => {
    expect(asCredentialRefreshError(sdkError("SomeNewCode", 400)).retryable).toBe(true);
    expect(asCredentialRefreshError(sdkError("AccessDenied", 403)).retryable).toBe(false);
    const final = new CredentialRefreshError("x", { retryable: false, attempts: 1 });
    expect(asCredentialRefreshError(final, { attempts: 3 })).toMatchObject({ retryable: false, attempts: 3 });
  });
});

describe("attemptsOf", () => {
  it("reads the SDK's $metadata.attempts, our own count, or counts one", () => {
    expect(attemptsOf(sdkError("Throttling", 400, 3))).toBe(3);
    expect(attemptsOf(new CredentialRefreshError("x", { retryable: true, attempts: 7 }))).toBe(7);
    expect(attemptsOf(new Error("plain"))).toBe(1);
    expect(attemptsOf(null)).toBe(1);
  });
});
