/**
 * The refreshing provider's edge: it owns the one refresh state, feeds `decide` what happened (the
 * time, a random draw, the backoff the user's hook chose), and carries out what it answers: the call
 * to the source, the waiters, the events, the timers. Every rule lives in `decide`; the timers in
 * `refreshScheduler`; what `status()` says in `statusOf`.
 */
import { abortable } from "../core/abortable";
import { abortReason, systemClock } from "../core/Clock";
import {
  redactSecrets,
  type CredentialProvider,
  type Credentials,
  type ProviderOptions,
} from "../core/CredentialProvider";
import { refreshIntentOf, withRefreshIntent } from "../core/refreshIntent";
import { safeListener } from "../core/safeListener";
import { CredentialRefreshError } from "../errors/CredentialRefreshError";
import { decodeOptionsAs } from "../errors/InvalidOptionsError";
import { TELEMETRY } from "../telemetry/credentialMetrics";
import { DEFAULT_MANDATORY_WINDOW_MS } from "./credentialTimeline";
import {
  decide,
  mayBackOff,
  type Decision,
  type Outcome,
  type RefreshInput,
  type RefreshPolicy,
} from "./decide";
import {
  internalsOf,
  RefreshAheadCodec,
  refreshWindowIssues,
  type RefreshAheadOptions,
} from "./refreshAheadOptions";
import type { RefreshEvent } from "./refreshEvent";
import { refreshLogLine, type LogLevel } from "./refreshLogLine";
import { refreshScheduler } from "./refreshScheduler";
import { backgroundDueAt, emptyState, servedUntil, type RefreshState } from "./refreshState";
import { sanitisedHooks } from "./sanitisedHooks";
import { statusOf, type RefreshStatus } from "./statusOf";

export type { RefreshEvent, RefreshReason } from "./refreshEvent";
export type { RefreshStatus } from "./statusOf";
// Where the policies have always found them.
export {
  refreshWindowIssues,
  UnitInterval,
  withInternals,
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
  // Options a policy checked (its own codec covers these fields) are not checked again; they may carry
  // the internal knobs (see `withInternals`).
  const decoded = decodeOptionsAs<RefreshAheadOptions>()(
    "refreshAhead",
    RefreshAheadCodec,
    options,
    refreshWindowIssues,
  );
  const { errorCacheMs, minBackoffMs, telemetry } = internalsOf(decoded);
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
    /** The one state; everything else here derives from it, or is the refresh in flight. */
    let state: RefreshState = emptyState;
    /** The held credentials, resolved once: what every cache hit returns (set by `apply` alone). */
    let heldPromise: Promise<Credentials> = Promise.resolve(undefined as unknown as Credentials);
    /** Calls before this instant are cache hits: `servedUntil(state)`, kept by `apply` alone. */
    let hotUntil = Number.NEGATIVE_INFINITY;
    /** The refresh in flight: the one effect the state cannot hold. */
    let flight: Flight | undefined;
    const observed = telemetry?.(provider, () => clock.now());
    const scheduler = refreshScheduler(clock, () => void run(step({ type: "timer" }), undefined));

    const emit = (event: RefreshEvent): void => {
      if (log !== undefined) log(...refreshLogLine(event));
      notify?.(event);
      observed?.event(event);
    };

    /** Applies a decision: the new state and what derives from it, then its events. */
    const apply = (decision: Decision): Decision => {
      if (decision.state !== state) {
        const before = state;
        state = decision.state;
        const { held } = state;
        if (held !== undefined && held.credentials !== before.held?.credentials) {
          heldPromise = Promise.resolve(held.credentials);
        }
        hotUntil = servedUntil(state);
        scheduler.wakeAt(backgroundDueAt(state));
      }
      for (const event of decision.events) emit(event);
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

    /** Starts the refresh a decision asks for. */
    const run = (decision: Decision, providerOptions: ProviderOptions | undefined): Flight | undefined => {
      const { action } = decision;
      if (action.type !== "refresh" && action.type !== "serve-and-refresh") return undefined;
      const background = action.type === "serve-and-refresh" || action.background;
      // The shared call must not die with one caller's signal; each caller races its own instead. Its
      // own signal is aborted by dispose() when no caller waits for it (an MFA prompt, a hung STS).
      const controller = new AbortController();
      const { signal: _signal, ...withoutSignal } = providerOptions ?? {};
      const callerOptions = { ...withoutSignal, signal: controller.signal };
      const replacing = state.held?.credentials.accessKeyId;
      const intent = refreshIntentOf(providerOptions);
      const upstream =
        background || replacing !== undefined
          ? withRefreshIntent(callerOptions, {
              background: background || intent.background,
              replacing: replacing ?? intent.replacing,
            })
          : callerOptions;
      const settle = (outcome: Outcome): Decision => step({ type: "settled", outcome, draw: hooks.random() });
      const call = async (): Promise<CredentialRefreshError | undefined> => {
        let outcome: Outcome;
        try {
          // Typed as credentials, but any value: the rules check its shape when it settles.
          const credentials: unknown = await provider(upstream);
          // Whatever the source, what callers get redacts its secrets in JSON and util.inspect.
          outcome = {
            ok: true,
            credentials: (typeof credentials === "object" &&
            credentials !== null &&
            // Ours redact themselves already (and are keys to what was recorded of them: whoami).
            !Object.prototype.hasOwnProperty.call(credentials, "toJSON")
              ? redactSecrets(credentials as Credentials)
              : credentials) as Credentials,
          };
        } catch (error) {
          outcome = { ok: false, error };
        }
        // Cleared before the step: its events may reach a listener that starts the next refresh, which
        // must not be forgotten here.
        flight = undefined;
        let settled: Decision;
        try {
          settled = settle(outcome);
        } catch {
          // A failure that cannot even be described (a thrown Proxy that throws back) must not leave the
          // refresh in flight for ever: it is settled as a plain failure.
          settled = settle({
            ok: false,
            error: new CredentialRefreshError(
              "the credential source failed with a value that cannot be described",
              {
                retryable: true,
              },
            ),
          });
        }
        return settled.action.type === "settle-waiters" ? settled.action.error : undefined;
      };
      const started: Flight = {
        settled: call(),
        controller,
        waiters: 0,
        release: () => {
          started.waiters--;
          scheduler.release();
        },
      };
      // Unless it settled already (a source that throws at once), or a listener of its settling started
      // the next one, which is the refresh in flight now.
      if (state.inFlight !== undefined && flight === undefined) flight = started;
      return started;
    };

    const wait = (signal: AbortSignal | undefined, refresh: Flight | undefined): Promise<Credentials> => {
      if (refresh === undefined)
        return Promise.reject(new Error("aws-refresh-session: no refresh to wait for (a bug)"));
      const answer = (refresh.answer ??= refresh.settled.then(answerOf));
      if (signal === undefined) {
        // Callers without a signal wait until the refresh settles: one hold for them all.
        if (refresh.waiting === undefined) {
          hold(refresh);
          refresh.waiting = answer.finally(refresh.release);
        }
        return refresh.waiting;
      }
      // A caller with a signal may leave early: it holds the process only while it waits.
      hold(refresh);
      return abortable(answer, signal).finally(refresh.release);
    };
    // No function is made per waiting caller: ten thousand of them joining one refresh cost no more
    // than a counter each.
    const hold = (refresh: Flight): void => {
      refresh.waiters++;
      scheduler.hold();
    };
    const answerOf = (error: CredentialRefreshError | undefined): Credentials => {
      if (error !== undefined) throw error;
      const credentials = state.held?.credentials;
      if (credentials === undefined)
        throw new Error("aws-refresh-session: no credentials after a refresh (a bug)");
      return credentials;
    };

    const slowPath = (providerOptions: ProviderOptions | undefined): Promise<Credentials> => {
      const signal = providerOptions?.signal;
      // A caller that has already given up starts nothing.
      if (signal?.aborted === true) return Promise.reject(abortReason(signal));
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
          return wait(signal, flight);
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
      // A disposed state has no background refresh due: `apply` cancels the timer. A refresh nobody
      // waits for is stopped too, so that a program that disposed its providers exits at once.
      if (flight !== undefined && flight.waiters === 0) {
        flight.controller.abort(new CredentialRefreshError("the provider was disposed", { retryable: true }));
      }
      step({ type: "dispose" });
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
    // The timer reaches the provider itself, weakly (see refreshScheduler).
    scheduler.attach(provided);
    return provided;
  };
};

/**
 * The refresh in flight, and what its waiters share: ten thousand callers waiting for one refresh
 * share one promise, as they share the refresh.
 */
interface Flight {
  /** Settles with the error the waiters get, if any; never rejects. */
  readonly settled: Promise<CredentialRefreshError | undefined>;
  /** Aborts the source call: dispose() does, when nobody waits for it. */
  readonly controller: AbortController;
  /** How many callers wait for it now. */
  waiters: number;
  /** Undoes one `hold` of it: made once per refresh, shared by its waiters. */
  readonly release: () => void;
  /** What the waiters get, made for the first of them. */
  answer?: Promise<Credentials>;
  /** The answer, with the process held alive: shared by the callers without a signal. */
  waiting?: Promise<Credentials>;
}
