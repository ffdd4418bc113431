import { CredentialRefreshError } from "./CredentialRefreshError";

/**
 * The error codes that the AWS SDKs' shared "Credential Refresh Behavior" specification treats as
 * non-recoverable: trying again later with the same request cannot succeed until someone changes the
 * role, its trust policy, the session policy, the region's settings or the identity token.
 *
 * @example
 * ```ts
 * import { NON_RECOVERABLE_ERROR_CODES } from "aws-refresh-session";
 *
 * NON_RECOVERABLE_ERROR_CODES.has("AccessDenied"); // true
 * ```
 * @category Errors
 * @since 0.2.0
 */
export const NON_RECOVERABLE_ERROR_CODES: ReadonlySet<string> = new Set([
  "AccessDenied",
  "MalformedPolicyDocument",
  "PackedPolicyTooLarge",
  "RegionDisabled",
  // Web identity only.
  "IDPRejectedClaim",
  "InvalidIdentityToken",
  // Beyond the specification's list: STS's answer to a request it cannot accept (a duration above the
  // role's maximum, a session name of the wrong shape). The same request cannot succeed later.
  "ValidationError",
]);

const codesOf = (error: object): unknown[] => {
  const record = error as { name?: unknown; Code?: unknown; code?: unknown };
  return [record.Code, record.code, record.name];
};

/**
 * Whether a failed refresh is non-recoverable: an STS (or SDK-style) error whose code is one of
 * {@link NON_RECOVERABLE_ERROR_CODES}, looked for through `cause`, or a {@link CredentialRefreshError}
 * this library raised as not retryable (a malformed response, an MFA code of the wrong shape).
 * Everything else (throttling, 5xx, network errors, timeouts, stale credentials, errors nobody
 * classified) is recoverable: worth another attempt after a back-off. Every source, custom ones
 * included, is classified by this one rule.
 *
 * @example
 * ```ts
 * import { isNonRecoverableError } from "aws-refresh-session";
 *
 * isNonRecoverableError(Object.assign(new Error("not authorized"), { name: "AccessDenied" })); // true
 * isNonRecoverableError(Object.assign(new Error("slow down"), { name: "Throttling" })); // false
 * ```
 * @category Errors
 * @since 0.2.0
 */
export const isNonRecoverableError = (error: unknown): boolean => {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === "object" && current !== null && !seen.has(current)) {
    seen.add(current);
    // The SDK names modelled errors after their shape (`RegionDisabledException`); STS's wire code
    // may or may not carry the suffix.
    for (const code of codesOf(current)) {
      if (typeof code === "string" && NON_RECOVERABLE_ERROR_CODES.has(code.replace(/Exception$/, "")))
        return true;
    }
    if (current instanceof CredentialRefreshError && !current.retryable) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
};
