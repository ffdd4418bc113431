import { CredentialRefreshError, isRetryableError } from "../../src";
import { attemptsOf } from "../../src/errors/isRetryableError";
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
  ])("retries %s", (_label, error) => {
    expect(isRetryableError(error)).toBe(true);
  });

  it.each([
    ["AccessDenied", sdkError("AccessDenied", 403)],
    ["ValidationError", sdkError("ValidationError", 400)],
    ["a clock-skew error not corrected (it would fail the same way)", sdkError("RequestTimeTooSkewed", 403)],
    ["ExpiredTokenException", sdkError("ExpiredTokenException", 400)],
    ["MalformedPolicyDocument", sdkError("MalformedPolicyDocument", 400)],
    ["an abort", Object.assign(new Error("aborted"), { name: "AbortError" })],
    ["a plain Error", new Error("boom")],
    ["a string", "boom"],
    ["undefined", undefined],
    ["a final CredentialRefreshError", new CredentialRefreshError("x", { retryable: false })],
  ])("does not retry %s", (_label, error) => {
    expect(isRetryableError(error)).toBe(false);
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
