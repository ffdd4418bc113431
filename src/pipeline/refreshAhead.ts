import { abortable } from "../core/abortable";
import { abortReason, systemClock } from "../core/Clock";
import { CredentialRefreshError } from "../errors/CredentialRefreshError";
import type { CredentialProvider, Credentials, ProviderOptions } from "../core/CredentialProvider";
import { DEFAULT_MANDATORY_WINDOW_MS } from "./credentialTimeline";
import {
  decide,
  mayBackOff,
  type Decision,
  type Outcome,
  type RefreshInput,
  type RefreshPolicy,
} from "./decide";
import { backgroundDueAt, emptyState, servedUntil, type RefreshState } from "./refreshState";
import { sanitisedHooks } from "./sanitisedHooks";
import { statusOf, type RefreshStatus } from "./statusOf";
import { decodeOptionsAs, InvalidOptionsError } from "../errors/InvalidOptionsError";
import {
  RefreshAheadCodec,
  refreshWindowIssues,
  type RefreshAheadInternals,
  type RefreshAheadOptions,
} from "./refreshAheadOptions";
import type { RefreshEvent } from "./refreshEvent";
import { refreshLogLine, type LogLevel } from "./refreshLogLine";
import { refreshIntentOf, withRefreshIntent } from "../core/refreshIntent";
import { safeListener } from "../core/safeListener";
import { TELEMETRY } from "../telemetry/credentialMetrics";

export type { RefreshEvent, RefreshReason } from "./refreshEvent";
export type { RefreshStatus } from "./statusOf";
// Where the policies have always found them.
export {
  refreshWindowIssues,
  UnitInterval,
  type RefreshAheadInternals,
  type RefreshAheadOptions,
} from "./refreshAheadOptions";

/**
 * A provider that caches, refreshes ahead of expiry in the background, and can be stopped.
 *
 * @example
 * ```ts
 * import { fromFunction, refreshAhead, type RefreshingProvider } from "aws-refresh-session";
 *
 * const source = fromFunction(async () => ({ accessKeyId: "AKID", secretAccessKey: "secret", expiration: new Date(Date.now() + 3_600_000) }));
 * const credentials: RefreshingProvider = refreshAhead()(source);
 * credentials.invalidate("AKID"); // a service rejected this key: the next call refreshes
 * credentials.dispose(); // no more background refreshes
 * ```
 * @category Types
 * @since 0.1.0
 */
export interface RefreshingProvider extends CredentialProvider {
  /** Tells SDK clients this provider caches, so they call it per request instead of wrapping it. */
  readonly memoized: true;
  /**
   * Says a service rejected this access key id: if it is the cached one, the next call takes the
   * mandatory path (a failure there still serves the cached credentials while they are valid; the
   * backoff is respected). A key no longer cached, or already invalidated, is ignored. Returns whether
   * this call invalidated the cached key.
   */
  invalidate(rejectedAccessKeyId: string): boolean;
  /**
   * Whether this access key id is one this provider holds or handed out recently (the current key and
   * the three before it, which requests still in flight may be signed with). Never calls the source:
   * it is how `getCredentialRejectionPlugin` tells our keys from a client's own.
   */
  holds(accessKeyId: string): boolean;
  /** Where the provider stands: phase, windows, backoff; never a secret. */
  status(): RefreshStatus;
  /**
   * Stops background work: scheduled refreshes. Calls still work, refreshing on demand. A provider
   * nobody references stops by itself when it is garbage-collected; `dispose()` stops it now.
   */
  dispose(): void;
  /** `dispose()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** 2^30 ms: a keep-alive interval that never fires in practice and never overflows a timer. */
const KEEP_ALIVE_MS = 2 ** 30;

/**
 * A provider nobody references must stop and be collected, even without `dispose()`: its background
 * timer reaches it only through a WeakRef (the handler is found through this WeakMap, keyed by the
 * provider), and when it is collected, its pending timer is cancelled.
 */
const timerHandlers = /* @__PURE__ */ new WeakMap<object, (controller: AbortController) => void>();
interface TimerBox {
  controller: AbortController | undefined;
}
const pendingTimers = /* @__PURE__ */ new FinalizationRegistry<TimerBox>((box) => {
  box.controller?.abort();
});
/** Made at module level, so that the callback's closure holds the WeakRef and nothing of the provider. */
const wakeWeakly = (owner: WeakRef<object>, controller: AbortController) => (): void => {
  const provider = owner.deref();
  if (provider !== undefined) timerHandlers.get(provider)?.(controller);
};
const ignore = (): undefined => undefined;

/**
 * Caches credentials and refreshes them ahead of their expiration, so that callers are neither blocked
 * nor given expired credentials, and no caller fails while a valid credential is held. It follows
 * the AWS SDKs' shared "Credential Refresh Behavior" and goes past it by refreshing in the background.
 *
 * The timeline of one set of credentials, `E` their real expiration:
 *
 * ```text
 * fetched .... E - advisory ..[refresh moment, jittered].. E - mandatory ......... E ............
 *  cache hits | advisory window: cache hits; one background   | mandatory: callers  | expired:
 *             | refresh; after a failure, a backoff            | wait for a refresh  | an error
 * ```
 *
 * - Windows are chosen per credential from its lifetime (see {@link defaultAdvisoryWindowMs}).
 * - Concurrent callers share one call to the source, whatever started it.
 * - A recoverable failure (throttling, 5xx, network, timeout, stale credentials) with valid credentials
 *   in hand keeps serving them until their real expiration; the source is left alone for a backoff.
 * - A non-recoverable failure (see {@link isNonRecoverableError}) is raised at once to callers who
 *   wait, and cached for 1–5 s; in a background refresh it is logged at error level and backed off.
 * - After the real expiration: a {@link CredentialRefreshError}, or the expired credentials with
 *   `serveExpired`.
 * - Credentials that arrive with no more than the mandatory window left are a failed refresh.
 * - `invalidate(key)` (a service rejected the key) refreshes at once; when the key that refresh
 *   fetched is rejected too, that refresh counts as failed, and the next waits for the backoff.
 * - Background timers never keep the process alive; a caller's wait does. `dispose()` stops them.
 * - A provider nobody references any more is garbage-collected with its background refresh, even
 *   without `dispose()`: its timer reaches it only through a `WeakRef`, and is cancelled when it is
 *   collected. Keep a reference to a provider for as long as it should refresh ahead.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, refreshAhead, retryWith } from "aws-refresh-session";
 *
 * const credentials = pipe(
 *   assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader", region: "eu-west-1" }),
 *   retryWith(),
 *   refreshAhead({ mandatoryWindowMs: 2 * 60_000, logger: console }),
 * );
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export const refreshAhead = (
  options: RefreshAheadOptions = {},
): ((provider: CredentialProvider) => RefreshingProvider) => {
  const decoded = decodeOptionsAs<RefreshAheadOptions>()("refreshAhead", RefreshAheadCodec, options);
  const issues = refreshWindowIssues(decoded);
  if (issues.length > 0) throw new InvalidOptionsError("refreshAhead", issues);
  return refreshAheadWith(decoded, {});
};

/**
 * {@link refreshAhead} with internal knobs, given options that are already checked: by refreshAhead,
 * or by a policy that checked the same fields with its own (checking them twice would also put this
 * module's codec in every bundle).
 *
 * @internal
 */
export const refreshAheadWith = (
  decoded: RefreshAheadOptions,
  { errorCacheMs, minBackoffMs, telemetry }: RefreshAheadInternals,
): ((provider: CredentialProvider) => RefreshingProvider) => {
  const { clock = systemClock, onEvent, logger } = decoded;
  const hooks = sanitisedHooks(decoded, minBackoffMs);
  const policy: RefreshPolicy = {
    advisoryWindowMs: decoded.advisoryWindowMs,
    mandatoryWindowMs: decoded.mandatoryWindowMs ?? DEFAULT_MANDATORY_WINDOW_MS,
    jitter: decoded.jitter ?? 0.5,
    serveExpired: decoded.serveExpired ?? false,
    errorCacheMs: errorCacheMs ?? [1_000, 5_000],
  };
  const log =
    logger === undefined
      ? undefined
      : safeListener("logger", (level: LogLevel, line: string) => {
          logger[level](line);
        });
  const notify = onEvent === undefined ? undefined : safeListener("onEvent", onEvent);

  return (provider) => {
    let state: RefreshState = emptyState;
    /** The held credentials, resolved once: what every cache hit returns. */
    let heldPromise: Promise<Credentials> = Promise.resolve(undefined as unknown as Credentials);
    /** Calls before this instant are cache hits (see `servedUntil`). */
    let hotUntil = Number.NEGATIVE_INFINITY;
    /** The refresh in flight; it never rejects: its waiters read the state it leaves. */
    let inFlight: Promise<CredentialRefreshError | undefined> | undefined;
    let timer: AbortController | undefined;
    let timerAt = Number.POSITIVE_INFINITY;
    let waiters = 0;
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    /** The pending timer, where the finalizer can cancel it. */
    const timerBox: TimerBox = { controller: undefined };
    const observed = telemetry?.(provider, () => clock.now());

    const emit = (event: RefreshEvent): void => {
      if (log !== undefined) log(...refreshLogLine(event));
      notify?.(event);
      observed?.event(event);
    };

    /** Applies a decision: the new state, its events, the cache-hit horizon and the timer. */
    const apply = (decision: Decision): Decision => {
      const before = state;
      state = decision.state;
      const { held } = state;
      if (held !== undefined && held.credentials !== before.held?.credentials) {
        heldPromise = Promise.resolve(held.credentials);
      }
      hotUntil = servedUntil(state);
      for (const event of decision.events) emit(event);
      armTimer();
      return decision;
    };
    /** Decides on `input` now, with the backoff the user's hook gives when a failure may back off. */
    const step = (input: RefreshInput): Decision => {
      const now = clock.now();
      if (
        (input.type !== "settled" && input.type !== "invalidate") ||
        !mayBackOff(policy, state, now, input)
      ) {
        return apply(decide(policy, state, now, input));
      }
      const backoffMs = hooks.backoff({
        failures: state.failures + 1,
        advisoryWindowMs: state.held?.timeline.advisoryWindowMs ?? 0,
        random: hooks.random,
      });
      return apply(decide(policy, state, now, { ...input, backoffMs }));
    };

    const armTimer = (): void => {
      const due = backgroundDueAt(state);
      if (due === timerAt) return;
      timer?.abort();
      timer = undefined;
      timerBox.controller = undefined;
      timerAt = due;
      if (!Number.isFinite(due)) return;
      const controller = new AbortController();
      timer = controller;
      timerBox.controller = controller;
      // Nothing of this provider in the callbacks: a pending timer must not keep it alive.
      clock
        .sleep(Math.max(0, due - clock.now()), controller.signal, { background: true })
        .then(wakeWeakly(self, controller))
        .catch(ignore);
    };
    const onTimer = (controller: AbortController): void => {
      if (timer !== controller) return;
      timer = undefined;
      timerBox.controller = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      void run(step({ type: "timer" }), undefined);
    };

    /** Starts the refresh a decision asks for. */
    const run = (
      decision: Decision,
      providerOptions: ProviderOptions | undefined,
    ): Promise<CredentialRefreshError | undefined> | undefined => {
      const { action } = decision;
      if (action.type !== "refresh" && action.type !== "serve-and-refresh") return undefined;
      const background = action.type === "serve-and-refresh" || action.background;
      // The shared call must not die with one caller's signal; each caller races its own instead.
      const { signal: _signal, ...callerOptions } = providerOptions ?? {};
      const replacing = state.held?.credentials.accessKeyId;
      const intent = refreshIntentOf(providerOptions);
      const upstream =
        background || replacing !== undefined
          ? withRefreshIntent(callerOptions, {
              background: background || intent.background,
              replacing: replacing ?? intent.replacing,
            })
          : callerOptions;
      const call = async (): Promise<CredentialRefreshError | undefined> => {
        let settled: Decision;
        let outcome: Outcome;
        try {
          const credentials = await provider(upstream);
          outcome = { ok: true, credentials };
        } catch (error) {
          outcome = { ok: false, error };
        }
        // Cleared before the step: its events may reach a listener that starts the next refresh, which
        // must not be forgotten here.
        inFlight = undefined;
        try {
          settled = step({ type: "settled", outcome, draw: hooks.random() });
        } catch {
          // A failure that cannot even be described (a thrown Proxy that throws back) must not leave the
          // refresh in flight for ever: it is settled as a plain failure.
          settled = step({
            type: "settled",
            draw: hooks.random(),
            outcome: {
              ok: false,
              error: new CredentialRefreshError(
                "the credential source failed with a value that cannot be described",
                {
                  retryable: true,
                },
              ),
            },
          });
        }
        return settled.action.type === "settle-waiters" ? settled.action.error : undefined;
      };
      const refresh = call();
      // Unless it settled already (a source that throws at once), or a listener of its settling started
      // the next one, which is the refresh in flight now.
      if (state.inFlight !== undefined && inFlight === undefined) inFlight = refresh;
      return refresh;
    };

    const hold = (): void => {
      // A caller waits: the process must stay alive until it has its answer, even if every timer of
      // the refresh is a background one.
      if (waiters++ === 0) keepAlive = setInterval(() => undefined, KEEP_ALIVE_MS);
    };
    const release = (): void => {
      if (--waiters === 0 && keepAlive !== undefined) {
        clearInterval(keepAlive);
        keepAlive = undefined;
      }
    };

    /**
     * What the refresh in flight answers its waiters, made once per refresh: ten thousand callers
     * waiting for one refresh share one promise, as they share the refresh.
     */
    let joined:
      | {
          readonly refresh: Promise<CredentialRefreshError | undefined>;
          readonly answer: Promise<Credentials>;
          waiting?: Promise<Credentials>;
        }
      | undefined;
    const answerOf = (refresh: Promise<CredentialRefreshError | undefined>): Promise<Credentials> =>
      refresh.then((error) => {
        if (error !== undefined) throw error;
        const credentials = state.held?.credentials;
        if (credentials === undefined)
          throw new Error("aws-refresh-session: no credentials after a refresh (a bug)");
        return credentials;
      });

    const wait = (
      signal: AbortSignal | undefined,
      refresh: Promise<CredentialRefreshError | undefined> | undefined = inFlight,
    ): Promise<Credentials> => {
      if (refresh === undefined)
        return Promise.reject(new Error("aws-refresh-session: no refresh to wait for (a bug)"));
      if (joined?.refresh !== refresh) joined = { refresh, answer: answerOf(refresh) };
      const current = joined;
      if (signal === undefined) {
        // Callers without a signal wait until the refresh settles: one hold for them all.
        if (current.waiting === undefined) {
          hold();
          current.waiting = current.answer.finally(release);
        }
        return current.waiting;
      }
      // A caller with a signal may leave early: it holds the process only while it waits.
      hold();
      return abortable(current.answer, signal).finally(release);
    };

    const slowPath = (providerOptions: ProviderOptions | undefined): Promise<Credentials> => {
      const signal = providerOptions?.signal;
      // A caller that has already given up starts nothing.
      if (signal?.aborted === true) return Promise.reject(abortReason(signal));
      // With a refresh in flight, a call that is no cache hit joins it: decide() answers "join" (a
      // property test in decide.test.ts checks it), so a crowd of callers costs no decision each.
      if (state.inFlight !== undefined && inFlight !== undefined) return wait(signal);
      const decision = step({
        type: "call",
        force: providerOptions?.forceRefresh === true,
        replacing: refreshIntentOf(providerOptions).replacing,
      });
      const { action } = decision;
      switch (action.type) {
        case "serve":
          if (action.rateLimited) observed?.skipped("backoff");
          return heldPromise;
        case "serve-and-refresh":
          void run(decision, providerOptions);
          return heldPromise;
        case "raise":
          observed?.skipped(action.rateLimited ? "backoff" : "error-cache");
          return Promise.reject(action.error);
        case "refresh":
          return wait(signal, run(decision, providerOptions));
        case "join":
          return wait(signal);
        default:
          return Promise.reject(new Error(`aws-refresh-session: unexpected action ${action.type} (a bug)`));
      }
    };

    // The hot path is not an async function: a cache hit returns one promise, resolved once per set of
    // credentials, and decides nothing beyond one comparison.
    const refreshing = (providerOptions?: ProviderOptions): Promise<Credentials> =>
      (providerOptions === undefined ||
        (providerOptions.forceRefresh !== true &&
          refreshIntentOf(providerOptions).replacing === undefined)) &&
      clock.now() < hotUntil
        ? heldPromise
        : slowPath(providerOptions);

    const dispose = (): void => {
      observed?.dispose();
      step({ type: "dispose" });
      timer?.abort();
      timer = undefined;
      timerBox.controller = undefined;
    };
    const provided = Object.assign(refreshing, {
      memoized: true as const,
      invalidate: (rejectedAccessKeyId: string): boolean => {
        const before = state;
        step({ type: "invalidate", accessKeyId: rejectedAccessKeyId });
        return state !== before;
      },
      holds: (accessKeyId: string): boolean => state.recentKeys.includes(accessKeyId),
      status: (): RefreshStatus => statusOf(state, clock.now()),
      dispose,
      [Symbol.asyncDispose]: () => {
        dispose();
        return Promise.resolve();
      },
    });
    if (observed !== undefined) {
      // For getCredentialRejectionPlugin, which counts rejections; hidden from spreads and JSON.
      Object.defineProperty(provided, TELEMETRY, { value: observed, enumerable: false });
    }
    // The provider itself, weakly: what the background timer reaches (armed only once it is made).
    const self = new WeakRef<object>(provided);
    timerHandlers.set(provided, onTimer);
    pendingTimers.register(provided, timerBox);
    return provided;
  };
};
