/**
 * The user's `backoff` and `random` hooks, made safe to call: what they return is bounded, and a hook
 * that throws or answers nonsense is reported once and replaced by the default for that call, so it
 * can neither stall a provider nor turn its backoff off. This is the edge's job: the rules (decide)
 * receive the numbers, never the hooks.
 */
import { describeError } from "../errors/CredentialRefreshError";
import { defaultRefreshBackoff, type RefreshBackoff } from "./refreshBackoff";
import type { Random } from "./retryPolicy";

/** The shortest backoff by default: a source that fails at once is not called in a loop. */
const MIN_BACKOFF_MS = 1_000;
/** The longest backoff: a day, so that no setting leaves a provider that never tries again. */
const MAX_BACKOFF_MS = 24 * 60 * 60_000;

/**
 * The hooks of one provider, sanitised.
 *
 * @internal
 */
export interface SanitisedHooks {
  /** The user's backoff (or the default), in [the floor, a day]. */
  readonly backoff: RefreshBackoff;
  /** The user's random source (or `Math.random`), in [0, 1]. */
  readonly random: Random;
}

/** Reports a user hook that misbehaved as a process warning, once per hook and problem and provider. */
const hookReporter = (): ((hook: string, problem: string) => void) => {
  const reported = new Set<string>();
  return (hook, problem) => {
    const key = `${hook}: ${problem}`;
    if (reported.has(key)) return;
    reported.add(key);
    process.emitWarning(`aws-refresh-session: the ${hook} option ${problem}; a default was used instead`, {
      code: "AWS_REFRESH_SESSION_HOOK",
    });
  };
};

/**
 * Sanitised hooks over the user's `backoff` and `random` (each optional); `floorMs` is the shortest
 * backoff allowed (1 s by default; `memoizeUntil`, which has no background refresh, uses 0).
 *
 * @internal
 */
export const sanitisedHooks = (
  hooks: { readonly backoff?: RefreshBackoff | undefined; readonly random?: Random | undefined },
  floorMs: number = MIN_BACKOFF_MS,
): SanitisedHooks => {
  const userBackoff = hooks.backoff ?? defaultRefreshBackoff;
  const userRandom = hooks.random ?? Math.random;
  const problem = hookReporter();
  return {
    backoff: (context) => {
      let ms: unknown;
      try {
        ms = userBackoff(context);
      } catch (error) {
        problem("backoff", `threw ${describeError(error)}`);
        ms = defaultRefreshBackoff(context);
      }
      if (typeof ms !== "number" || Number.isNaN(ms)) {
        problem("backoff", `returned ${typeof ms === "number" ? "NaN" : `a ${typeof ms}`}`);
        ms = defaultRefreshBackoff(context);
      }
      return Math.min(MAX_BACKOFF_MS, Math.max(floorMs, ms as number));
    },
    random: () => {
      let r: unknown;
      try {
        r = userRandom();
      } catch (error) {
        problem("random", `threw ${describeError(error)}`);
        return 0.5;
      }
      if (typeof r !== "number" || !Number.isFinite(r)) {
        problem("random", `returned ${String(r)}`);
        return 0.5;
      }
      return Math.min(1, Math.max(0, r));
    },
  };
};
