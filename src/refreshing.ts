import type { Logger } from "@smithy/types";
import { pipe } from "fp-ts/function";
import type { RetryPolicy } from "retry-ts";
import type { Clock } from "./Clock";
import {
  ClockCodec,
  functionCodec,
  integerIn,
  NonNegativeMillis,
  objectWith,
  refine,
  strictOptions,
} from "./codecs";
import type { CredentialProvider } from "./CredentialProvider";
import { decodeOptions, InvalidOptionsError, type OptionIssue } from "./InvalidOptionsError";
import { refreshAhead, type RefreshAheadOptions, type RefreshingProvider } from "./refreshAhead";
import { defaultRetryPolicy, type Random } from "./retryPolicy";
import { retryWith, type RetryOptions } from "./retryWith";
import { withExpiryBuffer } from "./withExpiryBuffer";
import { withTimeout } from "./withTimeout";

/**
 * How credentials from any source are refreshed: the timeline, timeouts, retries, and what you hear.
 *
 * @example
 * ```ts
 * import type { RefreshPolicyOptions } from "aws-refresh-session";
 *
 * const policy: RefreshPolicyOptions = { advisoryRefreshMs: 15 * 60_000, expiryBufferMs: 10 * 60_000, logger: console };
 * ```
 * @since 0.1.0
 */
export interface RefreshPolicyOptions {
  /**
   * How long the source's credentials last, in seconds: the default windows scale with it. For
   * roles, the `durationSeconds` asked of STS. Default 3600.
   */
  readonly durationSeconds?: number;
  /**
   * The mandatory deadline: credentials count as expired this long before their source's expiration,
   * so a request signed with them still arrives in time. From then on callers wait for a refresh. Must
   * be shorter than the session. Default: 10 minutes, or a sixth of a shorter session.
   */
  readonly expiryBufferMs?: number;
  /**
   * The advisory window opens this long before the source's expiration: one background refresh starts
   * at a random moment in its first half, while callers keep getting the current credentials. Must not
   * be shorter than `expiryBufferMs`, and must be shorter than the session. Default: 15 minutes, or a
   * quarter of a shorter session.
   */
  readonly advisoryRefreshMs?: number;
  /** How long one attempt may take before it is abandoned and retried. Default: 5 seconds. */
  readonly attemptTimeoutMs?: number;
  /** When to retry a failed attempt within one refresh. Default: {@link defaultRetryPolicy}. */
  readonly retryPolicy?: RetryPolicy;
  /** Told before each retry of an attempt. */
  readonly onRetry?: RetryOptions["onRetry"];
  /** The random source of the refresh moment's jitter. Default `Math.random`. */
  readonly random?: Random;
  /** Hears refresh events; see {@link RefreshEvent}. */
  readonly onEvent?: RefreshAheadOptions["onEvent"];
  /** An SDK-style logger (`console` will do) that gets one line per refresh event. */
  readonly logger?: Logger;
  /** Reads the time and waits. Default: {@link systemClock}. */
  readonly clock?: Clock;
}

/** STS's own default session length. */
const DEFAULT_DURATION_SECONDS = 3_600;
/** Five seconds: STS answers in well under a second; a connection that says nothing for 5 s is hung. */
const DEFAULT_ATTEMPT_TIMEOUT_MS = 5_000;

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

/**
 * The io-ts props of {@link RefreshPolicyOptions}, for codecs of options that include them.
 *
 * @example
 * ```ts
 * import { refreshPolicyProps, strictOptions } from "aws-refresh-session";
 *
 * const MyOptions = strictOptions("MyOptions", {}, refreshPolicyProps);
 * ```
 * @since 0.1.0
 */
export const refreshPolicyProps = {
  durationSeconds: integerIn(900, 43_200),
  expiryBufferMs: NonNegativeMillis,
  advisoryRefreshMs: NonNegativeMillis,
  attemptTimeoutMs: refine(NonNegativeMillis, (ms) => ms > 0, "a number of milliseconds above 0"),
  retryPolicy: functionCodec("a retry policy (status) => Option<delay>"),
  onRetry: functionCodec("a function (event) => void"),
  random: functionCodec("a function () => number in [0, 1)"),
  onEvent: functionCodec("a function (event) => void"),
  logger: objectWith("a logger with debug, info, warn and error", ["debug", "info", "warn", "error"]),
  clock: ClockCodec,
} as const;

/** The windows in force, defaults filled in. */
const windowsOf = (options: RefreshPolicyOptions): { advisoryMs: number; bufferMs: number } => {
  const defaults = defaultRefreshWindows(options.durationSeconds);
  const bufferMs = options.expiryBufferMs ?? defaults.expiryBufferMs;
  return {
    bufferMs,
    advisoryMs: options.advisoryRefreshMs ?? Math.max(defaults.advisoryRefreshMs, bufferMs),
  };
};

/**
 * The rules between the timeline's options.
 *
 * @internal
 */
export const refreshPolicyIssues = (options: RefreshPolicyOptions): OptionIssue[] => {
  const issues: OptionIssue[] = [];
  const durationMs = (options.durationSeconds ?? DEFAULT_DURATION_SECONDS) * 1000;
  const { advisoryMs, bufferMs } = windowsOf(options);
  if (bufferMs >= durationMs) {
    issues.push({
      path: "expiryBufferMs",
      rule: `must be shorter than the session (${durationMs} ms from durationSeconds), else every credential would arrive expired (got ${bufferMs})`,
    });
  }
  if (options.advisoryRefreshMs !== undefined && advisoryMs >= durationMs) {
    issues.push({
      path: "advisoryRefreshMs",
      rule: `must be shorter than the session (${durationMs} ms from durationSeconds) (got ${advisoryMs})`,
    });
  }
  if (options.advisoryRefreshMs !== undefined && advisoryMs < bufferMs) {
    issues.push({
      path: "advisoryRefreshMs",
      rule: `must not be shorter than expiryBufferMs (${bufferMs}): the advisory window opens before the deadline (got ${advisoryMs})`,
    });
  }
  return issues;
};

/**
 * Builds the pipeline from options already checked.
 *
 * @internal
 */
export const refreshPipeline = (
  source: CredentialProvider,
  options: RefreshPolicyOptions,
): RefreshingProvider => {
  const { advisoryMs, bufferMs } = windowsOf(options);
  const { clock, onRetry, random, onEvent, logger } = options;
  const clockOption = clock === undefined ? {} : { clock };
  return pipe(
    source,
    withTimeout(options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS, clockOption),
    retryWith(options.retryPolicy ?? defaultRetryPolicy, {
      ...clockOption,
      ...(onRetry === undefined ? {} : { onRetry }),
    }),
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

const RefreshPolicyCodec = strictOptions("RefreshPolicyOptions", {}, refreshPolicyProps);

/**
 * Refreshes credentials from any source the way {@link refreshingRole} refreshes a role's:
 *
 * ```ts
 * pipe(
 *   source,
 *   withTimeout(attemptTimeoutMs),
 *   retryWith(retryPolicy),
 *   withExpiryBuffer(expiryBufferMs),
 *   refreshAhead({ windowMs: advisoryRefreshMs - expiryBufferMs }),
 * );
 * ```
 *
 * Use it with {@link fromFunction}, {@link containerCredentials}, {@link assumeRoleWithWebIdentity}, or
 * any provider of your own; give `durationSeconds` if its credentials last much less than an hour, so
 * the default windows fit them.
 *
 * @example
 * ```ts
 * import { containerCredentials, refreshing } from "aws-refresh-session";
 *
 * const credentials = refreshing(containerCredentials(), { logger: console });
 * ```
 * @since 0.1.0
 */
export const refreshing = (
  source: CredentialProvider,
  options: RefreshPolicyOptions = {},
): RefreshingProvider => {
  decodeOptions("refreshing", functionCodec("a credential provider"), source);
  const decoded = decodeOptions("refreshing", RefreshPolicyCodec, options) as RefreshPolicyOptions;
  const issues = refreshPolicyIssues(decoded);
  if (issues.length > 0) throw new InvalidOptionsError("refreshing", issues);
  return refreshPipeline(source, decoded);
};
