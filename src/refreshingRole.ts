import { pipe } from "fp-ts/function";
import type { RetryPolicy } from "retry-ts";
import {
  assumeRole,
  assumeRoleCrossFieldIssues,
  assumeRoleProps,
  type AssumeRoleOptions,
} from "./assumeRole";
import type { Logger } from "@smithy/types";
import { functionCodec, NonNegativeMillis, objectWith, refine, strictOptions } from "./codecs";
import { decodeOptions, InvalidOptionsError } from "./InvalidOptionsError";
import { refreshAhead, type RefreshAheadOptions, type RefreshingProvider } from "./refreshAhead";
import { defaultRetryPolicy, type Random } from "./retryPolicy";
import { retryWith, type RetryOptions } from "./retryWith";
import { withExpiryBuffer } from "./withExpiryBuffer";
import { withTimeout } from "./withTimeout";

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
 *   advisoryRefreshMs: 15 * 60_000,
 *   expiryBufferMs: 10 * 60_000,
 *   logger: console,
 * };
 * ```
 * @since 0.1.0
 */
export interface RefreshingRoleOptions extends AssumeRoleOptions {
  /**
   * The mandatory deadline: credentials count as expired this long before STS's expiration, so a
   * request signed with them still arrives in time. From then on callers wait for a refresh. Must be
   * shorter than the session. Default: 10 minutes, or a sixth of a shorter session.
   */
  readonly expiryBufferMs?: number;
  /**
   * The advisory window opens this long before STS's expiration: one background refresh starts at a
   * random moment in its first half, while callers keep getting the current credentials. Must be
   * longer than `expiryBufferMs` and shorter than the session. Default: 15 minutes, or a quarter of a
   * shorter session.
   */
  readonly advisoryRefreshMs?: number;
  /** How long one STS attempt may take before it is abandoned and retried. Default: 5 seconds. */
  readonly attemptTimeoutMs?: number;
  /** When to retry a failed STS call within one refresh. Default: {@link defaultRetryPolicy}. */
  readonly retryPolicy?: RetryPolicy;
  /** Told before each retry of an STS call. */
  readonly onRetry?: RetryOptions["onRetry"];
  /** The random source of the refresh moment's jitter. Default `Math.random`. */
  readonly random?: Random;
  /** Hears refresh events; see {@link RefreshEvent}. */
  readonly onEvent?: RefreshAheadOptions["onEvent"];
  /** An SDK-style logger (`console` will do) that gets one line per refresh event. */
  readonly logger?: Logger;
}

/** STS's own default session length. */
const DEFAULT_DURATION_SECONDS = 3_600;

/**
 * The default refresh timeline for credentials that last `durationSeconds`: botocore's windows
 * (refresh from 15 minutes before expiry, must refresh 10 minutes before) for sessions of an hour or
 * more, scaled down for shorter ones (a quarter and a sixth of the session) so that 900-second
 * credentials are still used for three quarters of their life.
 *
 * Why these and not the SDK's 5 minutes: the SDK refreshes on a caller's request, so that request
 * waits. Here the refresh happens in the background ahead of the deadline; SDK clients see a provider
 * marked `memoized` and call it per request (a cache hit) instead of running their own 5-minute window,
 * so no client ever blocks while the current credentials last.
 *
 * @example
 * ```ts
 * import { defaultRefreshWindows } from "aws-refresh-session";
 *
 * defaultRefreshWindows(3600); // { advisoryRefreshMs: 900000, expiryBufferMs: 600000 }
 * defaultRefreshWindows(900); // { advisoryRefreshMs: 225000, expiryBufferMs: 150000 }
 * ```
 * @since 0.1.0
 */
export const defaultRefreshWindows = (
  durationSeconds: number = DEFAULT_DURATION_SECONDS,
): { readonly advisoryRefreshMs: number; readonly expiryBufferMs: number } => ({
  advisoryRefreshMs: Math.min(15 * 60_000, (durationSeconds * 1000) / 4),
  expiryBufferMs: Math.min(10 * 60_000, (durationSeconds * 1000) / 6),
});

/** Five seconds: STS answers in well under a second; a connection that says nothing for 5 s is hung. */
const DEFAULT_ATTEMPT_TIMEOUT_MS = 5_000;

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
      advisoryRefreshMs: NonNegativeMillis,
      attemptTimeoutMs: refine(NonNegativeMillis, (ms) => ms > 0, "a number of milliseconds above 0"),
      retryPolicy: functionCodec("a retry policy (status) => Option<delay>"),
      onRetry: functionCodec("a function (event) => void"),
      random: functionCodec("a function () => number in [0, 1)"),
      onEvent: functionCodec("a function (event) => void"),
      logger: objectWith("a logger with debug, info, warn and error", ["debug", "info", "warn", "error"]),
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
  const defaults = defaultRefreshWindows(decoded.durationSeconds);
  const bufferMs = decoded.expiryBufferMs ?? defaults.expiryBufferMs;
  const advisoryMs = decoded.advisoryRefreshMs ?? Math.max(defaults.advisoryRefreshMs, bufferMs);
  if (bufferMs >= durationMs) {
    issues.push({
      path: "expiryBufferMs",
      rule: `must be shorter than the session (${durationMs} ms from durationSeconds), else every credential would arrive expired (got ${bufferMs})`,
    });
  }
  if (decoded.advisoryRefreshMs !== undefined && advisoryMs >= durationMs) {
    issues.push({
      path: "advisoryRefreshMs",
      rule: `must be shorter than the session (${durationMs} ms from durationSeconds) (got ${advisoryMs})`,
    });
  }
  if (decoded.advisoryRefreshMs !== undefined && advisoryMs < bufferMs) {
    issues.push({
      path: "advisoryRefreshMs",
      rule: `must not be shorter than expiryBufferMs (${bufferMs}): the advisory window opens before the deadline (got ${advisoryMs})`,
    });
  }
  if (issues.length > 0) throw new InvalidOptionsError(subject, issues);
  return decoded;
};

/**
 * The ready-made pipeline: credentials for an IAM role that refresh themselves ahead of expiry.
 *
 * It is
 *
 * ```ts
 * pipe(
 *   assumeRole(options),
 *   withTimeout(attemptTimeoutMs),
 *   retryWith(retryPolicy),
 *   withExpiryBuffer(expiryBufferMs),
 *   refreshAhead({ windowMs: advisoryRefreshMs - expiryBufferMs }),
 * );
 * ```
 *
 * One STS call per refresh however many callers and clients share it; callers are served the current
 * credentials while a background refresh runs in the advisory window; failures there are retried
 * while the current credentials last; and expired credentials are never returned. Give it to any AWS
 * SDK v3 client as `credentials`, and to as many clients as you like; `dispose()` stops its background
 * work.
 *
 * ```text
 * issued ............ STS expiry - advisoryRefreshMs ...... STS expiry - expiryBufferMs ...... STS expiry
 *   cache hits          | background refresh (jittered),      | callers wait for a refresh;
 *                       | callers still served at once        | a CredentialRefreshError if none
 * ```
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
export const refreshingRole = (options: RefreshingRoleOptions): RefreshingProvider => {
  const {
    expiryBufferMs,
    advisoryRefreshMs,
    attemptTimeoutMs = DEFAULT_ATTEMPT_TIMEOUT_MS,
    retryPolicy = defaultRetryPolicy,
    onRetry,
    random,
    onEvent,
    logger,
    ...assumeRoleOptions
  } = validateRefreshingRoleOptions(options);
  const defaults = defaultRefreshWindows(assumeRoleOptions.durationSeconds);
  const bufferMs = expiryBufferMs ?? defaults.expiryBufferMs;
  const advisoryMs = advisoryRefreshMs ?? Math.max(defaults.advisoryRefreshMs, bufferMs);
  const clockOption = assumeRoleOptions.clock === undefined ? {} : { clock: assumeRoleOptions.clock };
  return pipe(
    assumeRole(assumeRoleOptions),
    withTimeout(attemptTimeoutMs, clockOption),
    retryWith(retryPolicy, { ...clockOption, ...(onRetry === undefined ? {} : { onRetry }) }),
    withExpiryBuffer(bufferMs),
    refreshAhead({
      ...clockOption,
      windowMs: advisoryMs - bufferMs,
      ...(random === undefined ? {} : { random }),
      ...(onEvent === undefined ? {} : { onEvent }),
      ...(logger === undefined ? {} : { logger }),
    }),
  );
};
