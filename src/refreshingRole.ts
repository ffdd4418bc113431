import { pipe } from "fp-ts/function";
import type { RetryPolicy } from "retry-ts";
import {
  assumeRole,
  assumeRoleCrossFieldIssues,
  assumeRoleProps,
  type AssumeRoleOptions,
} from "./assumeRole";
import { functionCodec, NonNegativeMillis, strictOptions } from "./codecs";
import { decodeOptions, InvalidOptionsError } from "./InvalidOptionsError";
import { memoizeUntil, type MemoizedProvider } from "./memoizeUntil";
import { defaultRetryPolicy } from "./retryPolicy";
import { retryWith, type RetryOptions } from "./retryWith";
import { withExpiryBuffer } from "./withExpiryBuffer";

/**
 * Options of {@link refreshingRole}: those of {@link assumeRole}, plus the refresh policy.
 *
 * @example
 * ```ts
 * import type { RefreshingRoleOptions } from "aws-refresh-session";
 *
 * const options: RefreshingRoleOptions = {
 *   roleArn: "arn:aws:iam::123456789012:role/Reader",
 *   roleSessionName: "nightly-etl",
 *   region: "eu-west-1",
 *   expiryBufferMs: 5 * 60_000,
 * };
 * ```
 * @since 0.1.0
 */
export interface RefreshingRoleOptions extends AssumeRoleOptions {
  /**
   * Credentials count as expired this long before STS's expiration, so a request signed with them
   * still arrives in time. Must be shorter than `durationSeconds`. Default: 5 minutes.
   */
  readonly expiryBufferMs?: number;
  /** When to retry a failed refresh. Default: {@link defaultRetryPolicy}. */
  readonly retryPolicy?: RetryPolicy;
  /** Told before each retry of a refresh. */
  readonly onRetry?: RetryOptions["onRetry"];
}

/**
 * The default of `expiryBufferMs`: five minutes, the SDK's own window, and still only a third of the
 * shortest (900 s) session.
 *
 * @example
 * ```ts
 * import { DEFAULT_EXPIRY_BUFFER_MS, refreshingRole } from "aws-refresh-session";
 *
 * const twiceAsCautious = refreshingRole({
 *   roleArn: "arn:aws:iam::123456789012:role/Reader",
 *   expiryBufferMs: 2 * DEFAULT_EXPIRY_BUFFER_MS,
 * });
 * ```
 * @since 0.1.0
 */
export const DEFAULT_EXPIRY_BUFFER_MS = 5 * 60_000;
/** STS's own default session length. */
const DEFAULT_DURATION_SECONDS = 3_600;

/**
 * The io-ts codec of {@link RefreshingRoleOptions}. Unknown option names are errors.
 *
 * @example
 * ```ts
 * import { RefreshingRoleOptionsCodec } from "aws-refresh-session";
 *
 * RefreshingRoleOptionsCodec.is({ roleArn: "arn:aws:iam::123456789012:role/Reader", expiryBufferMs: 60_000 }); // true
 * ```
 * @since 0.1.0
 */
export const RefreshingRoleOptionsCodec = (() => {
  const { roleArn, ...optional } = assumeRoleProps;
  return strictOptions(
    "RefreshingRoleOptions",
    { roleArn },
    {
      ...optional,
      expiryBufferMs: NonNegativeMillis,
      retryPolicy: functionCodec("a retry policy (status) => Option<delay>"),
      onRetry: functionCodec("a function (event) => void"),
    },
  );
})();

/**
 * Checks `options` as {@link refreshingRole} would, throwing an {@link InvalidOptionsError} naming
 * every problem, and returns them typed.
 *
 * @example
 * ```ts
 * import { validateRefreshingRoleOptions } from "aws-refresh-session";
 *
 * validateRefreshingRoleOptions({ roleArn: "arn:aws:iam::123456789012:role/Reader", expiryBufferMs: -1 }); // throws
 * ```
 * @since 0.1.0
 */
export const validateRefreshingRoleOptions = (
  options: RefreshingRoleOptions,
  subject = "refreshingRole",
): RefreshingRoleOptions => {
  const decoded = decodeOptions(subject, RefreshingRoleOptionsCodec, options) as RefreshingRoleOptions;
  const issues = assumeRoleCrossFieldIssues(decoded);
  const durationMs = (decoded.durationSeconds ?? DEFAULT_DURATION_SECONDS) * 1000;
  const bufferMs = decoded.expiryBufferMs ?? DEFAULT_EXPIRY_BUFFER_MS;
  if (bufferMs >= durationMs) {
    issues.push({
      path: "expiryBufferMs",
      rule: `must be shorter than the session (${durationMs} ms from durationSeconds), else every credential would arrive expired (got ${bufferMs})`,
    });
  }
  if (issues.length > 0) throw new InvalidOptionsError(subject, issues);
  return decoded;
};

/**
 * The ready-made pipeline: credentials for an IAM role that refresh themselves.
 *
 * It is `pipe(assumeRole(options), retryWith(retryPolicy), withExpiryBuffer(expiryBufferMs),
 * memoizeUntil())`: one STS call per refresh however many callers and clients share it, retries of
 * throttling and outages with jittered back-off, and never an expired credential. Give it to any
 * AWS SDK v3 client as `credentials`, and to as many clients as you like.
 *
 * Options are checked now, before any network call: bad ones throw an {@link InvalidOptionsError}.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { refreshingRole } from "aws-refresh-session";
 *
 * const s3 = new S3Client({
 *   region: "eu-west-1",
 *   credentials: refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader", region: "eu-west-1" }),
 * });
 * ```
 * @since 0.1.0
 */
export const refreshingRole = (options: RefreshingRoleOptions): MemoizedProvider => {
  const { expiryBufferMs, retryPolicy, onRetry, ...assumeRoleOptions } =
    validateRefreshingRoleOptions(options);
  const clock = assumeRoleOptions.clock;
  return pipe(
    assumeRole(assumeRoleOptions),
    retryWith(retryPolicy ?? defaultRetryPolicy, {
      ...(clock === undefined ? {} : { clock }),
      ...(onRetry === undefined ? {} : { onRetry }),
    }),
    withExpiryBuffer(expiryBufferMs ?? DEFAULT_EXPIRY_BUFFER_MS),
    memoizeUntil(clock === undefined ? {} : { clock }),
  );
};
