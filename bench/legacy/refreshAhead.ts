/**
 * The refreshAhead of version 0.1.0 (commit e901120), kept only so that `npm run bench` can show how
 * the refresh rules of the AWS SDKs' shared specification changed its behaviour in an outage. Not
 * part of the package.
 */
import type { Logger } from "@smithy/types";
import * as O from "fp-ts/Option";
import { applyPolicy, defaultRetryStatus, type RetryPolicy, type RetryStatus } from "retry-ts";
import { abortable } from "../../src/core/abortable";
import { systemClock, type Clock } from "../../src/core/Clock";
import {
  ClockCodec,
  functionCodec,
  NonNegativeMillis,
  objectWith,
  refine,
  strictOptions,
} from "../../src/errors/codecs";
import { CredentialRefreshError } from "../../src/errors/CredentialRefreshError";
import type { CredentialProvider, Credentials, ProviderOptions } from "../../src/core/CredentialProvider";
import { decodeOptions } from "../../src/errors/InvalidOptionsError";
import { asCredentialRefreshError } from "../../src/errors/isRetryableError";
import { safeListener } from "../../src/core/safeListener";
import type { Random } from "../../src/pipeline/retryPolicy";
import * as t from "io-ts";

/**
 * Why a refresh started: the first credentials, a background refresh in the advisory window, callers
 * past the deadline who must wait, or a caller's `forceRefresh`.
 *
 * @example
 * ```ts
 * import type { RefreshReason } from "aws-refresh-session";
 *
 * const reason: RefreshReason = "advisory";
 * ```
 * @since 0.1.0
 */
export type RefreshReason = "initial" | "advisory" | "mandatory" | "forced";

/**
 * What a refreshing provider tells {@link RefreshAheadOptions.onEvent}. Events never carry secrets.
 *
 * @example
 * ```ts
 * import type { RefreshEvent } from "aws-refresh-session";
 *
 * const toMetric = (event: RefreshEvent) => (event.type === "refresh-failure" ? { failed: 1, serving: event.serving } : {});
 * ```
 * @since 0.1.0
 */
export type RefreshEvent =
  | { readonly type: "refresh-start"; readonly reason: RefreshReason }
  | {
      readonly type: "refresh-success";
      readonly reason: RefreshReason;
      /** When the new credentials must be replaced by (as this provider sees it). */
      readonly expiration: Date | undefined;
      readonly durationMs: number;
    }
  | {
      readonly type: "refresh-failure";
      readonly reason: RefreshReason;
      readonly error: CredentialRefreshError;
      /** `current`: the still-valid credentials keep being served; `none`: callers get the error. */
      readonly serving: "current" | "none";
      /** Until when the current credentials are served, when `serving` is `current`. */
      readonly servingUntil?: Date;
      /** When the next background attempt is due, if one is scheduled. */
      readonly retryInMs?: number;
    }
  | {
      /** The cached credentials reached their deadline without a replacement: callers now wait. */
      readonly type: "expired";
      readonly expiration: Date;
    };

/**
 * Options of {@link refreshAhead}.
 *
 * @example
 * ```ts
 * import type { RefreshAheadOptions } from "aws-refresh-session";
 *
 * const options: RefreshAheadOptions = { windowMs: 5 * 60_000, onEvent: (event) => console.log(event.type) };
 * ```
 * @since 0.1.0
 */
export interface RefreshAheadOptions {
  /**
   * The advisory window: how long before the expiration it sees (its deadline) a background refresh
   * may start. 0 turns refreshing ahead off: the provider then only refreshes when callers need it.
   * Default 0.
   */
  readonly windowMs?: number;
  /**
   * The fraction of the window, from its start, over which the moment of the background refresh is
   * spread at random, so a fleet started together does not call STS together. The rest of the window
   * is left for retries. From 0 to 1; default 0.5.
   */
  readonly jitter?: number;
  /** The random source of the jitter and of the retry back-off. Default `Math.random`. */
  readonly random?: Random;
  /**
   * When to retry a failed background refresh, while the current credentials last. Default:
   * exponential from 1 s, capped at 30 s, with equal jitter, never past the deadline.
   */
  readonly retryPolicy?: RetryPolicy;
  /** Reads the time and schedules the background refresh. Default: {@link systemClock}. */
  readonly clock?: Clock;
  /** Hears `refresh-start`, `refresh-success`, `refresh-failure` and `expired`. */
  readonly onEvent?: (event: RefreshEvent) => void;
  /** An SDK-style logger (`console` will do) that gets one line per event. */
  readonly logger?: Logger;
}

/**
 * A provider that caches, refreshes ahead of expiry in the background, and can be stopped.
 *
 * @example
 * ```ts
 * import { refreshAhead, type RefreshingProvider } from "aws-refresh-session";
 *
 * const credentials: RefreshingProvider = refreshAhead({ windowMs: 60_000 })(provider);
 * credentials.dispose(); // no more background refreshes
 * ```
 * @since 0.1.0
 */
export interface RefreshingProvider extends CredentialProvider {
  /** Tells SDK clients this provider caches, so they call it per request instead of wrapping it. */
  readonly memoized: true;
  /** Stops background work: scheduled refreshes and retries. Calls still work, refreshing on demand. */
  dispose(): void;
  /** `dispose()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

const UnitInterval = refine(t.number, (n) => n >= 0 && n <= 1, "a number from 0 to 1");

const RefreshAheadCodec = strictOptions(
  "RefreshAheadOptions",
  {},
  {
    windowMs: NonNegativeMillis,
    jitter: UnitInterval,
    random: functionCodec("a function () => number in [0, 1)"),
    retryPolicy: functionCodec("a retry policy (status) => Option<delay>"),
    clock: ClockCodec,
    onEvent: functionCodec("a function (event) => void"),
    logger: objectWith("a logger with debug, info, warn and error", ["debug", "info", "warn", "error"]),
  },
);

/** Exponential from 1 s, capped at 30 s, with equal jitter: never a hot loop, never in lock-step. */
const backgroundRetryPolicy =
  (random: Random): RetryPolicy =>
  (status) => {
    const delay = Math.min(30_000, 1_000 * 2 ** status.iterNumber);
    return O.some(Math.floor(delay / 2 + (random() * delay) / 2));
  };

type LogLevel = "debug" | "warn" | "error";

const logLine = (event: RefreshEvent): [LogLevel, string] => {
  switch (event.type) {
    case "refresh-start":
      return ["debug", `aws-refresh-session: refreshing credentials (${event.reason})`];
    case "refresh-success":
      return [
        "debug",
        `aws-refresh-session: refreshed credentials (${event.reason}) in ${Math.round(event.durationMs)} ms; ` +
          `next deadline ${event.expiration?.toISOString() ?? "none"}`,
      ];
    case "refresh-failure":
      return [
        event.serving === "current" ? "warn" : "error",
        `aws-refresh-session: credential refresh (${event.reason}) failed: ${event.error.message}; ` +
          (event.serving === "current"
            ? `serving the current credentials until ${event.servingUntil?.toISOString() ?? "their deadline"}` +
              (event.retryInMs === undefined ? "" : `, next attempt in ${event.retryInMs} ms`)
            : "no credentials to serve"),
      ];
    case "expired":
      return [
        "warn",
        `aws-refresh-session: credentials reached their deadline (${event.expiration.toISOString()}) without a replacement; callers wait for a refresh`,
      ];
  }
};

/**
 * Caches credentials and refreshes them ahead of their expiration, so that callers are neither blocked
 * nor ever given expired credentials.
 *
 * The timeline of one set of credentials, with `E` the expiration this provider sees (put
 * {@link withExpiryBuffer} in front to make `E` a safety margin before the real one):
 *
 * ```text
 * issued ........ E - windowMs ...[refresh moment, jittered]... E (deadline) ....... real expiry
 *   cache hits       | advisory window: cache hits; one background refresh,   | callers wait for a
 *                    | retried with back-off while the current ones last      | refresh, or get an error
 * ```
 *
 * - Concurrent callers share one upstream call, whatever started it.
 * - In the advisory window, callers get the current credentials at cache-hit cost while one refresh
 *   runs in the background. If it fails, the current credentials keep being served and the refresh
 *   is retried (see `retryPolicy`) until the deadline.
 * - From the deadline on, callers wait for fresh credentials, and get a {@link CredentialRefreshError}
 *   if none can be had. Credentials at or past their deadline are never returned.
 * - Background timers never keep the process alive, and `dispose()` stops them.
 * - `forceRefresh` skips the cache but joins a refresh in flight; a caller's `signal` stops only that
 *   caller's wait.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, refreshAhead, retryWith, withExpiryBuffer } from "aws-refresh-session";
 *
 * const credentials = pipe(
 *   assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader", region: "eu-west-1" }),
 *   retryWith(),
 *   withExpiryBuffer(10 * 60_000), // the deadline: 10 minutes before STS's expiration
 *   refreshAhead({ windowMs: 5 * 60_000, logger: console }), // background refresh from 15 minutes before
 * );
 * ```
 * @since 0.1.0
 */
export const refreshAhead = (
  options: RefreshAheadOptions = {},
): ((provider: CredentialProvider) => RefreshingProvider) => {
  const decoded = decodeOptions("refreshAhead", RefreshAheadCodec, options) as RefreshAheadOptions;
  const { windowMs = 0, jitter = 0.5, random = Math.random, clock = systemClock, onEvent, logger } = decoded;
  const retryPolicy = decoded.retryPolicy ?? backgroundRetryPolicy(random);

  return (provider) => {
    let current: Credentials | undefined;
    /** `current`, resolved: what every cache hit returns. */
    let currentPromise: Promise<Credentials> | undefined;
    let currentDeadline = Number.NEGATIVE_INFINITY;
    let inFlight: Promise<Credentials> | undefined;
    /** When the background refresh of `current` is due; Infinity when none is. */
    let refreshAt = Number.POSITIVE_INFINITY;
    let retryStatus: RetryStatus = defaultRetryStatus;
    let timer: AbortController | undefined;
    let disposed = false;
    let reportedExpired: Credentials | undefined;

    const log =
      logger === undefined
        ? undefined
        : safeListener("logger", (level: LogLevel, line: string) => {
            logger[level](line);
          });
    const notify = onEvent === undefined ? undefined : safeListener("onEvent", onEvent);
    const emit = (event: RefreshEvent): void => {
      if (log !== undefined) log(...logLine(event));
      notify?.(event);
    };
    const deadlineOf = (credentials: Credentials): number =>
      credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
    const usableAt = (credentials: Credentials | undefined, now: number): boolean =>
      credentials !== undefined && deadlineOf(credentials) > now;

    /** Arms the one background timer for `at` (clock time), replacing any other. */
    const wakeAt = (at: number): void => {
      timer?.abort();
      refreshAt = at;
      if (disposed || !Number.isFinite(at)) return;
      const controller = new AbortController();
      timer = controller;
      clock
        .sleep(Math.max(0, at - clock.now()), controller.signal, { background: true })
        .then(() => {
          if (timer === controller) timer = undefined;
          startBackgroundRefresh();
        })
        .catch(() => undefined);
    };

    const startBackgroundRefresh = (): void => {
      if (disposed || inFlight !== undefined || !usableAt(current, clock.now())) return;
      fetchShared("advisory", undefined).catch(() => undefined);
    };

    const onSuccess = (credentials: Credentials, reason: RefreshReason, startedAt: number): Credentials => {
      const now = clock.now();
      if (!usableAt(credentials, now)) {
        throw new CredentialRefreshError(
          `the credential source returned credentials that expire at ${credentials.expiration?.toISOString()}, ` +
            `not after now (${new Date(now).toISOString()}): is their lifetime shorter than the expiry buffer?`,
          { retryable: true },
        );
      }
      current = credentials;
      currentPromise = Promise.resolve(credentials);
      currentDeadline = deadlineOf(credentials);
      retryStatus = defaultRetryStatus;
      emit({
        type: "refresh-success",
        reason,
        expiration: credentials.expiration,
        durationMs: now - startedAt,
      });
      const deadline = deadlineOf(credentials);
      if (windowMs > 0 && Number.isFinite(deadline)) {
        // Credentials shorter-lived than the window open it at once: spread over what is left of it.
        const windowStart = Math.max(now, deadline - windowMs);
        wakeAt(windowStart + random() * (deadline - windowStart) * jitter);
      } else {
        wakeAt(Number.POSITIVE_INFINITY);
      }
      return credentials;
    };

    const onFailure = (error: unknown, reason: RefreshReason): never => {
      const refreshError = asCredentialRefreshError(error);
      const now = clock.now();
      if (current !== undefined && usableAt(current, now)) {
        const deadline = deadlineOf(current);
        let retryInMs: number | undefined;
        if (windowMs > 0 && !disposed) {
          retryStatus = applyPolicy(retryPolicy, retryStatus);
          const delay = O.toUndefined(retryStatus.previousDelay);
          if (delay !== undefined && now + delay < deadline) {
            retryInMs = delay;
            wakeAt(now + delay);
          } else {
            wakeAt(Number.POSITIVE_INFINITY);
          }
        }
        emit({
          type: "refresh-failure",
          reason,
          error: refreshError,
          serving: "current",
          servingUntil: new Date(deadline),
          ...(retryInMs === undefined ? {} : { retryInMs }),
        });
      } else {
        emit({ type: "refresh-failure", reason, error: refreshError, serving: "none" });
      }
      throw refreshError;
    };

    const fetchShared = (
      reason: RefreshReason,
      providerOptions: ProviderOptions | undefined,
    ): Promise<Credentials> => {
      if (inFlight !== undefined) return inFlight;
      // The shared call must not die with one caller's signal; each caller races its own instead.
      const { signal: _callerSignal, ...upstreamOptions } = providerOptions ?? {};
      const startedAt = clock.now();
      const run = async (): Promise<Credentials> => {
        // Yield once, so that `inFlight` is set before anything below can clear it.
        await Promise.resolve();
        emit({ type: "refresh-start", reason });
        let credentials: Credentials;
        try {
          credentials = await provider(upstreamOptions);
        } catch (error) {
          inFlight = undefined;
          return onFailure(error, reason);
        }
        inFlight = undefined;
        try {
          return onSuccess(credentials, reason, startedAt);
        } catch (error) {
          return onFailure(error, reason);
        }
      };
      const call = run();
      // Every caller may have stopped waiting by the time the call fails: never an unhandled rejection.
      call.catch(() => undefined);
      inFlight = call;
      return call;
    };

    const waitForFresh = async (providerOptions: ProviderOptions | undefined): Promise<Credentials> => {
      const now = clock.now();
      const forced = providerOptions?.forceRefresh === true;
      if (current !== undefined && !usableAt(current, now) && reportedExpired !== current) {
        reportedExpired = current;
        emit({ type: "expired", expiration: new Date(deadlineOf(current)) });
      }
      const reason: RefreshReason = forced ? "forced" : current === undefined ? "initial" : "mandatory";
      const credentials = await abortable(fetchShared(reason, providerOptions), providerOptions?.signal);
      // Time may have moved on while this caller waited.
      const after = clock.now();
      if (!usableAt(credentials, after)) {
        throw new CredentialRefreshError(
          `the refreshed credentials expired at ${credentials.expiration?.toISOString()} before they could be used`,
          { retryable: true },
        );
      }
      return credentials;
    };

    // The hot path is not an async function: a cache hit returns one promise, resolved once per set
    // of credentials, instead of making a new one per call.
    const refreshing = (providerOptions?: ProviderOptions): Promise<Credentials> => {
      if (providerOptions?.forceRefresh !== true && currentPromise !== undefined) {
        const now = clock.now();
        if (currentDeadline > now) {
          // A safety net for timers that fired late or not at all (a suspended laptop, a busy loop).
          if (now >= refreshAt) startBackgroundRefresh();
          return currentPromise;
        }
      }
      return waitForFresh(providerOptions);
    };

    const dispose = (): void => {
      disposed = true;
      timer?.abort();
      timer = undefined;
    };
    return Object.assign(refreshing, {
      memoized: true as const,
      dispose,
      [Symbol.asyncDispose]: () => {
        dispose();
        return Promise.resolve();
      },
    });
  };
};
