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
  // Documented in the README with the list above; anything not listed is recoverable.
  "ValidationError",
]);

const codesOf = (error: object): unknown[] => {
  const record = error as { name?: unknown; Code?: unknown; code?: unknown };
  try {
    return [record.Code, record.code, record.name];
  } catch {
    return [];
  }
};

/**
 * The non-recoverable code of a thrown value we did not make, looked for through `cause`; undefined
 * when it has none. The one rule behind every classification: see {@link isRetryableError}.
 *
 * @internal
 */
export const nonRecoverableCodeOf = (error: unknown): string | undefined => {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === "object" && current !== null && !seen.has(current)) {
    seen.add(current);
    // The SDK names modelled errors after their shape (`RegionDisabledException`); STS's wire code
    // may or may not carry the suffix.
    for (const code of codesOf(current)) {
      if (typeof code === "string" && NON_RECOVERABLE_ERROR_CODES.has(code.replace(/Exception$/, "")))
        return code;
    }
    try {
      current = (current as { cause?: unknown }).cause;
    } catch {
      return undefined;
    }
  }
  return undefined;
};

/**
 * Whether a failed refresh is non-recoverable: trying again later cannot succeed until someone
 * changes something. A {@link CredentialRefreshError} says for itself (its `retryable`, decided once,
 * where the failure happened); anything else is non-recoverable when its code, or a code of one of its
 * causes, is one of {@link NON_RECOVERABLE_ERROR_CODES}. Everything else (throttling, 5xx, network
 * errors, timeouts, rejected or stale caller credentials, a cut-off or garbled answer, an error code
 * this library does not know) is recoverable: worth another attempt after a back-off. It is the
 * complement of {@link isRetryableError}, an abort aside (neither: the caller gave up).
 *
 * @example
 * ```ts
 * import { isNonRecoverableError } from "aws-refresh-session";
 *
 * isNonRecoverableError(Object.assign(new Error("not authorized"), { name: "AccessDenied" })); // true
 * isNonRecoverableError(Object.assign(new Error("slow down"), { name: "Throttling" })); // false
 * isNonRecoverableError(Object.assign(new Error("?"), { name: "SomeNewCode" })); // false
 * ```
 * @category Errors
 * @since 0.2.0
 */
export const isNonRecoverableError = (error: unknown): boolean =>
  error instanceof CredentialRefreshError ? !error.retryable : nonRecoverableCodeOf(error) !== undefined;
