import type { Logger } from "@smithy/types";
import { systemClock, type Clock } from "../core/Clock";
import {
  ClockCodec,
  CredentialCacheCodec,
  ListenerCodec,
  LoggerCodec,
  NonEmptyString,
  NonNegativeMillis,
  RoleArn,
  strictOptions,
} from "../errors/codecs";
import type { CredentialCache } from "./CredentialCache";
import { CredentialCacheError } from "../errors/CredentialCacheError";
import { redactSecrets, type Credentials, type ProviderTransform } from "../core/CredentialProvider";
import { describeError } from "../errors/CredentialRefreshError";
import { decodeOptionsAs, InvalidOptionsError } from "../errors/InvalidOptionsError";
import { credentialShapeProblems } from "../core/credentialShape";
import { refreshIntentOf } from "../core/refreshIntent";
import { safeListener } from "../core/safeListener";
import { hideKeysAndTokens } from "../core/secretText";

/**
 * What {@link withCache} tells `onEvent`. Events name the entry's location (a file's path), never its
 * content.
 *
 * - `cache-hit`: the entry held credentials with more than `minRemainingMs` left; they were returned
 *   and the source was not called. `afterWait` is true when they were found only after waiting for
 *   the lock, that is, written meanwhile by another process.
 * - `cache-miss`: the source is about to be called: the entry is `absent` (or unusable), holds
 *   credentials that are `expiring`, or the caller asked for `forceRefresh` (`forced`).
 * - `cache-stored`: the source's credentials were written to the entry.
 * - `cache-warning`: the entry or the lock could not be used (see {@link CacheProblem}); the provider
 *   went on without it.
 *
 * @example
 * ```ts
 * import type { CacheEvent } from "aws-refresh-session";
 *
 * const onEvent = (event: CacheEvent) => {
 *   if (event.type === "cache-warning") console.warn(event.error.message);
 * };
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export type CacheEvent =
  | {
      readonly type: "cache-hit";
      readonly location: string;
      readonly expiration: Date;
      readonly afterWait: boolean;
    }
  | {
      readonly type: "cache-miss";
      readonly location: string;
      readonly reason: "absent" | "expiring" | "forced";
    }
  | { readonly type: "cache-stored"; readonly location: string; readonly expiration: Date | undefined }
  | { readonly type: "cache-warning"; readonly location: string; readonly error: CredentialCacheError };

/**
 * Options of {@link withCache}.
 *
 * @example
 * ```ts
 * import type { WithCacheOptions } from "aws-refresh-session";
 *
 * const options: WithCacheOptions = { minRemainingMs: 15 * 60_000, logger: console };
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export interface WithCacheOptions {
  /**
   * Credentials in the cache are used only with more than this left before their expiration. Under a
   * refreshing layer ({@link refreshAhead}, {@link refreshingRole}), make it at least that layer's
   * advisory window, so that credentials found in the cache are not already due for a refresh there.
   * Default: 60,000 (one minute).
   */
  readonly minRemainingMs?: number;
  /** Reads the time for that decision. Default: {@link systemClock}. */
  readonly clock?: Clock;
  /** Hears each {@link CacheEvent}. */
  readonly onEvent?: (event: CacheEvent) => void;
  /** An SDK-style logger (`console` will do): `debug` for hits, misses and writes, `warn` for warnings. */
  readonly logger?: Logger;
  /**
   * The role whose credentials the entry holds, when the source assumes one: the entry is read and
   * written as that role's, and an entry for another role (moved onto this key) is ignored and
   * refreshed. {@link refreshingRole}, {@link refreshingWebIdentity} and {@link session} set it for
   * their role, whatever the key.
   */
  readonly roleArn?: string;
}

const WithCacheCodec = /* @__PURE__ */ strictOptions(
  "withCache",
  {
    cache: CredentialCacheCodec,
    key: NonEmptyString,
  },
  {
    minRemainingMs: NonNegativeMillis,
    clock: ClockCodec,
    onEvent: ListenerCodec,
    logger: LoggerCodec,
    roleArn: RoleArn,
  },
);

const DEFAULT_MIN_REMAINING_MS = 60_000;

/**
 * The furthest ahead an entry may expire: 36 hours, the longest any STS credential lives
 * (`GetSessionToken` and `GetFederationToken`; `AssumeRole` stops at 12), since a shared cache may
 * hold any source's credentials, not only a role's. Plus 15 minutes, the clock skew SigV4 tolerates:
 * STS's clock may be that far ahead of this machine's. An entry expiring later (`9999-12-31`) was not
 * written from an STS answer, and would be served for ever.
 */
const MAX_LIFETIME_MS = 36 * 3_600_000 + 15 * 60_000;

const logLine = (event: CacheEvent): ["debug" | "warn", string] => {
  switch (event.type) {
    case "cache-hit":
      return [
        "debug",
        `aws-refresh-session: credentials from the cache ${event.location}${event.afterWait ? " (written by another process while this one waited)" : ""}; they expire ${event.expiration.toISOString()}`,
      ];
    case "cache-miss":
      return ["debug", `aws-refresh-session: cache ${event.location} ${event.reason}; calling the source`];
    case "cache-stored":
      return ["debug", `aws-refresh-session: credentials stored in the cache ${event.location}`];
    case "cache-warning":
      return ["warn", `aws-refresh-session: cache not used: ${event.error.message}`];
  }
};

/**
 * Whatever a user's cache throws becomes a warning about its entry; ours are already typed. A store's
 * own error may quote what it was handed (a database driver's message or its `sql` does): the warning
 * describes it with keys and tokens hidden (as every CredentialCacheError does), and does not keep it
 * as its cause, where inspecting the warning would show all of it.
 */
const asCacheError = (
  error: unknown,
  location: string,
  problem: "unreadable" | "unwritable" | "lock-failed",
): CredentialCacheError =>
  error instanceof CredentialCacheError
    ? error
    : new CredentialCacheError(problem, location, describeError(error));

/**
 * Where the entry of `key` lives, asked when the layer is built: a cache may refuse a key there (as
 * fileCache does one that names no file), which fails the construction instead of every refresh.
 */
const locationOf = (cache: CredentialCache, key: string): string => {
  try {
    return cache.describe?.(key) ?? key;
  } catch (error) {
    if (error instanceof InvalidOptionsError) throw new InvalidOptionsError("withCache", error.issues);
    const rule = `its describe() threw: ${hideKeysAndTokens(describeError(error))}`;
    throw new InvalidOptionsError("withCache", [{ path: "cache", rule }]);
  }
};

/** What a cache returned, if it is credentials with a readable expiration (the one shape rule). */
const isCredentialsWithExpiry = (value: unknown): value is Credentials & { expiration: Date } =>
  credentialShapeProblems(value, "required").length === 0;

/**
 * Shares the credentials of a source through a {@link CredentialCache}, such as {@link fileCache}:
 * between the processes of a machine, and with the AWS CLI. Each call:
 *
 * 1. reads the entry: if it holds credentials with more than `minRemainingMs` left, returns them and
 *    calls nothing (an entry that expires more than 36 hours ahead, longer than any STS credential
 *    lives, or that is another role's than `roleArn`, is reported and treated as absent);
 * 2. otherwise takes the cache's cross-process lock and reads the entry again (another process may
 *    have written it while this one waited): if it is fresh now, returns it;
 * 3. otherwise calls the source, writes its credentials to the entry, releases the lock, and returns
 *    them.
 *
 * So when many processes refresh together, one calls the source and the others use what it wrote;
 * and a source that asks for something (an MFA code) is asked only when it is really called. A cache
 * that fails (a corrupt entry, a read-only directory, a lock that cannot be had) never fails the call:
 * it is reported as a `cache-warning` and the source is called as if there were no cache. Without
 * `onEvent` or `logger`, warnings go to `process.emitWarning`, once per problem and location.
 * `forceRefresh` skips the reads (not the lock, nor the write).
 *
 * Put it below the layer that keeps credentials in memory, so that the cache is read only at refresh
 * moments, never per request: `pipe(source, withCache(cache, key), refreshAhead())`, or in
 * {@link refreshing}'s pipeline between `retryWith` and `refreshAhead`, so that it stores the
 * source's real expiration. Returned credentials redact their secrets in `JSON.stringify` and
 * `util.inspect`.
 *
 * @param cache - where the credentials are shared.
 * @param key - the entry's name; {@link assumeRoleCacheKey} gives the one the AWS CLI uses for a role.
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, assumeRoleCacheKey, fileCache, refreshAhead, withCache } from "aws-refresh-session";
 *
 * const options = {
 *   roleArn: "arn:aws:iam::123456789012:role/Admin",
 *   mfa: { serialNumber: "arn:aws:iam::123456789012:mfa/alice", tokenCode: () => "123456" },
 * };
 * // Ten runs of this program in a row ask for one MFA code, as the AWS CLI does.
 * const credentials = pipe(
 *   assumeRole(options),
 *   withCache(fileCache(), assumeRoleCacheKey(options), { minRemainingMs: 15 * 60_000 }),
 *   refreshAhead({ advisoryWindowMs: 15 * 60_000 }),
 * );
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export const withCache = (
  cache: CredentialCache,
  key: string,
  options: WithCacheOptions = {},
): ProviderTransform => {
  const decoded = decodeOptionsAs<WithCacheOptions & { cache: CredentialCache; key: string }>()(
    "withCache",
    WithCacheCodec,
    {
      cache,
      key,
      ...options,
    },
  );
  const {
    minRemainingMs = DEFAULT_MIN_REMAINING_MS,
    clock = systemClock,
    onEvent,
    logger,
    roleArn,
  } = decoded;
  const scope = roleArn === undefined ? undefined : { roleArn };
  const location = locationOf(cache, key);

  const notify = onEvent === undefined ? undefined : safeListener("onEvent", onEvent);
  const log =
    logger === undefined
      ? undefined
      : safeListener("logger", (level: "debug" | "warn", line: string) => {
          logger[level](line);
        });
  const warned = new Set<string>();
  const emit = (event: CacheEvent): void => {
    notify?.(event);
    log?.(...logLine(event));
    if (event.type === "cache-warning" && notify === undefined && log === undefined) {
      const once = `${event.error.problem}\u0000${event.error.location}`;
      if (!warned.has(once)) {
        warned.add(once);
        process.emitWarning(logLine(event)[1], { code: "AWS_REFRESH_SESSION_CACHE" });
      }
    }
  };
  const warn = (error: CredentialCacheError): void => {
    emit({ type: "cache-warning", location, error });
  };

  /**
   * A warning function for one call: the read under the lock finds the same bad entry, and a directory
   * refused at the read is refused again by the lock and the write; one warning is enough.
   */
  const warnerOnce = (): ((error: CredentialCacheError) => void) => {
    const reported = new Set<string>();
    return (error) => {
      const once = `${error.problem}\u0000${error.location}`;
      if (reported.has(once)) return;
      reported.add(once);
      warn(error);
    };
  };

  /** The entry, if it is usable for long enough; else why not. */
  const read = async (
    warnOnce: (error: CredentialCacheError) => void,
    replacing: string | undefined,
  ): Promise<Credentials | "absent" | "expiring"> => {
    let stored: Credentials | undefined;
    try {
      stored = await cache.get(key, scope);
    } catch (error) {
      warnOnce(asCacheError(error, location, "unreadable"));
      return "absent";
    }
    if (stored === undefined) return "absent";
    if (!isCredentialsWithExpiry(stored)) {
      warnOnce(
        new CredentialCacheError("foreign", location, "the cache returned no credentials with an expiration"),
      );
      return "absent";
    }
    if (stored.expiration.getTime() - clock.now() > MAX_LIFETIME_MS) {
      warnOnce(
        new CredentialCacheError(
          "foreign",
          location,
          `expires ${stored.expiration.toISOString()}, further ahead than any STS credential lives (36 hours)`,
        ),
      );
      return "absent";
    }
    // The very credentials the caller is replacing (expiring, or rejected by a service) are never handed back.
    if (replacing !== undefined && stored.accessKeyId === replacing) return "expiring";
    return stored.expiration.getTime() - clock.now() > minRemainingMs ? stored : "expiring";
  };

  const hit = (stored: Credentials, afterWait: boolean): Credentials => {
    const credentials = redactSecrets({ ...stored });
    emit({ type: "cache-hit", location, expiration: stored.expiration as Date, afterWait });
    return credentials;
  };

  return (source) => async (providerOptions) => {
    const forced = providerOptions?.forceRefresh === true;
    const { replacing } = refreshIntentOf(providerOptions);
    const warnOnce = warnerOnce();
    let firstMiss: "absent" | "expiring" | "forced" = "forced";
    if (!forced) {
      const first = await read(warnOnce, replacing);
      if (typeof first !== "string") return hit(first, false);
      firstMiss = first;
    }

    const refresh = async (locked: boolean): Promise<Credentials> => {
      let reason = firstMiss;
      if (locked && !forced) {
        const again = await read(warnOnce, replacing);
        if (typeof again !== "string") return hit(again, true);
        reason = again;
      }
      emit({ type: "cache-miss", location, reason });
      const fresh = redactSecrets(await source(providerOptions));
      try {
        await cache.set(key, fresh, scope);
        emit({ type: "cache-stored", location, expiration: fresh.expiration });
      } catch (error) {
        warnOnce(asCacheError(error, location, "unwritable"));
      }
      return fresh;
    };

    if (cache.lock === undefined) return refresh(false);
    const lockState = { entered: false };
    try {
      return await cache.lock(
        key,
        () => {
          lockState.entered = true;
          return refresh(true);
        },
        warnOnce,
      );
    } catch (error) {
      // A failure of the work under the lock is the caller's; only a lock that could not be had is ours.
      if (lockState.entered) throw error;
      warnOnce(asCacheError(error, location, "lock-failed"));
      return refresh(false);
    }
  };
};
