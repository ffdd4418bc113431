import { omitKeys } from "../core/omitKeys";
import { hideKeysAndTokens } from "../core/secretText";
import { showValue } from "../core/showValue";
import { describeError } from "../errors/CredentialRefreshError";
import { pipe } from "fp-ts/function";
import * as t from "io-ts";
import type { RetryPolicy } from "retry-ts";
import {
  ClockCodec,
  functionCodec,
  ListenerCodec,
  LoggerCodec,
  NonEmptyString,
  NonNegativeMillis,
  PositiveMillis,
  RandomCodec,
  RefreshBackoffCodec,
  RetryPolicyCodec,
  SharedCacheCodec,
  strictOptions,
} from "../errors/codecs";
import type { SharedCache } from "../cache/sharedCache";
import type { AssumeRoleCacheKeyInput } from "../cache/assumeRoleCacheKey";
import type { CredentialProvider, ProviderTransform } from "../core/CredentialProvider";
import {
  decodeOptions,
  decodeOptionsAs,
  InvalidOptionsError,
  type OptionIssue,
} from "../errors/InvalidOptionsError";
import {
  refreshAhead,
  withInternals,
  refreshWindowIssues,
  type RefreshAheadOptions,
  type RefreshingProvider,
  UnitInterval,
} from "../pipeline/refreshAhead";
import { defaultRetryPolicy } from "../pipeline/retryPolicy";
import { retryWith, type RetryOptions } from "../pipeline/retryWith";
import type { CacheEvent } from "../cache/withCache";
import { DEFAULT_MANDATORY_WINDOW_MS } from "../pipeline/credentialTimeline";
import { withTimeout } from "../pipeline/withTimeout";
import { keepFeatures } from "../telemetry/credentialFeatures";
import {
  credentialTelemetry,
  sourceKindOf,
  MeterProviderCodec,
  TracerProviderCodec,
  type MeterProviderLike,
  type SourceKind,
  type TracerProviderLike,
} from "../telemetry/credentialMetrics";

/**
 * How a refreshing provider refreshes: the windows of the per-credential timeline, the backoff after
 * a failure, the attempts within one refresh, and what it tells you. Shared by {@link refreshing},
 * {@link refreshingRole} and {@link session}.
 *
 * It is {@link RefreshAheadOptions} (the windows, the jitter, the backoff, the events; its `clock` also
 * times each attempt and the waits between them), {@link RetryOptions.onRetry}, and the fields below.
 *
 * @example
 * ```ts
 * import { specRefreshBackoff, type RefreshPolicyOptions } from "aws-refresh-session";
 *
 * const policy: RefreshPolicyOptions = { mandatoryWindowMs: 2 * 60_000, backoff: specRefreshBackoff, logger: console };
 * ```
 * @category Ready-made
 * @since 0.1.0
 */
export interface RefreshPolicyOptions extends RefreshAheadOptions, Pick<RetryOptions, "onRetry"> {
  /** How long one attempt may take before it is abandoned and retried. Default: 5 seconds. */
  readonly attemptTimeoutMs?: number | undefined;
  /** When to retry a failed attempt within one refresh. Default: {@link defaultRetryPolicy}. */
  readonly retryPolicy?: RetryPolicy | undefined;
  /**
   * Shares the credentials with other processes (and, with {@link fileCache}, with the AWS CLI): at
   * a refresh moment the cache is read first, and only one process calls the source. Off by default:
   * without it nothing touches the disk.
   */
  readonly cache?: SharedCache | undefined;
  /**
   * The entry's key in `cache`. {@link refreshingRole} and {@link session} compute the AWS CLI's key
   * from the role's options; {@link refreshing} needs one, since any source can be behind it.
   */
  readonly cacheKey?: string | undefined;
  /** Hears the cache's events (hits, misses, stores, warnings); they name the entry, never its content. */
  readonly onCacheEvent?: ((event: CacheEvent) => void) | undefined;
  /**
   * The OpenTelemetry `MeterProvider` that gets the refresh metrics (`aws.credentials.refresh.duration`,
   * `aws.credentials.expiry.remaining`, `aws.credentials.rejected`, `aws.credentials.backoff`).
   * Default: the global one, when the program registered one with `@opentelemetry/api` 1.3 or later
   * (an optional peer dependency, which this library never loads). Nothing is recorded on a cache hit.
   */
  readonly meterProvider?: MeterProviderLike | undefined;
  /**
   * The OpenTelemetry `TracerProvider` that gets an `aws.credentials.refresh` span per refresh, the
   * child of the span of a caller that waits for it. Default: the global one, as for `meterProvider`.
   */
  readonly tracerProvider?: TracerProviderLike | undefined;
}

/** Five seconds: STS answers in well under a second; a connection that says nothing for 5 s is hung. */
const DEFAULT_ATTEMPT_TIMEOUT_MS = 5_000;

/**
 * The io-ts props of {@link RefreshPolicyOptions}, for codecs of options that include them.
 *
 * @since 0.1.0
 * @internal
 */
export const refreshPolicyProps = {
  advisoryWindowMs: NonNegativeMillis,
  mandatoryWindowMs: NonNegativeMillis,
  backoff: RefreshBackoffCodec,
  serveExpired: t.boolean,
  attemptTimeoutMs: PositiveMillis,
  retryPolicy: RetryPolicyCodec,
  onRetry: ListenerCodec,
  jitter: UnitInterval,
  random: RandomCodec,
  onEvent: ListenerCodec,
  logger: LoggerCodec,
  clock: ClockCodec,
  cache: SharedCacheCodec,
  cacheKey: NonEmptyString,
  onCacheEvent: ListenerCodec,
  meterProvider: MeterProviderCodec,
  tracerProvider: TracerProviderCodec,
} as const;

/**
 * Options of {@link RefreshPolicyOptions} that cannot work together.
 *
 * @internal
 */
export const refreshPolicyIssues = (
  options: RefreshPolicyOptions,
  { keyFromRole = false }: { readonly keyFromRole?: boolean } = {},
): OptionIssue[] => {
  const issues: OptionIssue[] = refreshWindowIssues(options);
  if (options.cache !== undefined && options.cacheKey === undefined && !keyFromRole) {
    issues.push({
      path: "cacheKey",
      rule: "is needed with cache: a key that names this source's credentials",
    });
  }
  if (options.cacheKey !== undefined && options.cache === undefined) {
    issues.push({ path: "cacheKey", rule: "goes with cache" });
  }
  return issues;
};

/**
 * A role's refresh options with the cache's key for the role filled in when a cache is given without
 * a `cacheKey` (the AWS CLI's key, for {@link fileCache} and {@link sharedCache}, so that the CLI and
 * this library share one session). What `refreshingRole` and `refreshingWebIdentity` hand to the
 * pipeline.
 *
 * @internal
 */
export const withRoleCacheKey = <O extends AssumeRoleCacheKeyInput & RefreshPolicyOptions>(
  options: O,
  subject: string,
): O => {
  const { cache } = options;
  if (cache === undefined || options.cacheKey !== undefined) return options;
  const cacheKey = fromCache(
    subject,
    "roleKey()",
    () => cache.roleKey(options),
    (key) => typeof key === "string" && key.length > 0,
    "a non-empty string",
  );
  return { ...options, cacheKey };
};

/**
 * What a {@link SharedCache}'s own code answers, checked when the provider is built: a SharedCache
 * may be the user's own (its `layer` and `roleKey` included), and a mistake there must read as one,
 * not as "x is not a function" at the first refresh.
 */
const fromCache = <A>(
  subject: string,
  member: string,
  call: () => A,
  isRight: (answer: A) => boolean,
  expected: string,
): A => {
  let answer: A;
  try {
    answer = call();
  } catch (error) {
    // The cache's own complaint (fileCache's about a key that names no file, say) is about the options
    // given here: the key is the caller's cacheKey.
    const issues =
      error instanceof InvalidOptionsError
        ? error.issues.map(({ path, rule }) => ({ path: path === "key" ? "cacheKey" : "cache", rule }))
        : [{ path: "cache", rule: `its ${member} threw: ${hideKeysAndTokens(describeError(error))}` }];
    throw new InvalidOptionsError(subject, issues);
  }
  if (!isRight(answer)) {
    throw new InvalidOptionsError(subject, [
      { path: "cache", rule: `its ${member} must return ${expected} (got ${showValue(answer)})` },
    ]);
  }
  return answer;
};

const isFunction = (value: unknown): boolean => typeof value === "function";

/**
 * The refresh policy applied to `source`: the one pipeline of {@link refreshing}, {@link refreshingRole},
 * {@link refreshingWebIdentity} and `session({ source })`. `options` are checked (see
 * {@link isChecked}): the public pieces it is built of take them as they are. Errors about the cache
 * name `subject`, the function called; `sourceKind` names the source in telemetry.
 *
 * @internal
 */
export const applyRefreshPolicy = (
  source: CredentialProvider,
  options: RefreshPolicyOptions,
  subject: string,
  sourceKind?: SourceKind,
  // Work done once per refresh, around its timed and retried attempts and below the shared cache
  // (an MFA code: asked once, and not at all when the cache answers).
  perRefresh: ProviderTransform = (provider) => provider,
): RefreshingProvider => {
  const { clock, cache, cacheKey } = options;
  // Below the refreshing layer: the hot path never reads a file; a refresh reads the entry first.
  let shared: ProviderTransform = (provider) => provider;
  if (cache !== undefined && cacheKey !== undefined) {
    const layer = fromCache(
      subject,
      "layer()",
      () =>
        cache.layer(
          cacheKey,
          // The keys that are set, so that `undefined` never overrides a default of the cache's.
          omitKeys({
            clock,
            onEvent: options.onCacheEvent,
            logger: options.logger,
            // An entry is taken only with more than the mandatory window left: credentials with less
            // would arrive as a failed refresh, and the source must be called instead.
            minRemainingMs: Math.max(options.mandatoryWindowMs ?? DEFAULT_MANDATORY_WINDOW_MS, 60_000),
          }),
        ),
      isFunction,
      "a function (provider) => provider",
    );
    shared = (provider) =>
      fromCache(subject, "layer()'s function", () => layer(provider), isFunction, "a credential provider");
  }
  return pipe(
    source,
    withTimeout(options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS, options),
    retryWith(options.retryPolicy ?? defaultRetryPolicy, options),
    perRefresh,
    shared,
    // An entry from the shared cache carries no feature id: the source's is put back.
    cache === undefined ? (provider) => provider : keepFeatures(sourceKind ?? sourceKindOf(source)),
    refreshAhead(withInternals(options, { telemetry: telemetryOf(options, sourceKind) })),
  );
};

/**
 * The OpenTelemetry listener of a policy's provider: its own meter and tracer providers if given,
 * else the global ones (looked up at each refresh, so one registered later is picked up).
 *
 * @internal
 */
export const telemetryOf = (
  options: Pick<RefreshPolicyOptions, "meterProvider" | "tracerProvider">,
  source?: SourceKind,
): ReturnType<typeof credentialTelemetry> =>
  credentialTelemetry({
    meterProvider: options.meterProvider,
    tracerProvider: options.tracerProvider,
    source,
  });

const RefreshPolicyCodec = /* @__PURE__ */ strictOptions("RefreshPolicyOptions", {}, refreshPolicyProps);

/**
 * Refreshes credentials from any source the way {@link refreshingRole} refreshes a role's:
 *
 * ```ts
 * pipe(source, withTimeout(attemptTimeoutMs), retryWith(retryPolicy), refreshAhead(policy));
 * ```
 *
 * Use it with {@link fromFunction}, {@link containerCredentials}, {@link assumeRoleWithWebIdentity}, or
 * any provider of your own. The windows are chosen per credential from its lifetime, so a source of
 * 15-minute or 30-day credentials needs no setting.
 *
 * @example
 * ```ts
 * import { containerCredentials, refreshing } from "aws-refresh-session";
 *
 * const credentials = refreshing(containerCredentials(), { logger: console });
 * ```
 * @category Ready-made
 * @since 0.1.0
 */
export const refreshing = (
  source: CredentialProvider,
  options: RefreshPolicyOptions = {},
): RefreshingProvider => {
  decodeOptions("refreshing", functionCodec("a credential provider"), source);
  const checked = decodeOptionsAs<RefreshPolicyOptions>()(
    "refreshing",
    RefreshPolicyCodec,
    options,
    (decoded) => refreshPolicyIssues(decoded),
  );
  return applyRefreshPolicy(source, checked, "refreshing");
};
