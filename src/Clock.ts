/**
 * Time as a parameter.
 *
 * Everything in this library that reads the time or waits takes a {@link Clock}, so that tests (ours
 * and our users') drive time by hand instead of sleeping, and so that expiry decisions are made
 * against one source of truth.
 *
 * @packageDocumentation
 */

/**
 * A source of time and of waiting.
 *
 * @example
 * ```ts
 * import { systemClock, type Clock } from "aws-refresh-session";
 *
 * const clock: Clock = systemClock;
 * const startedAt = clock.now();
 * await clock.sleep(10);
 * console.log(clock.now() - startedAt >= 10);
 * ```
 * @since 0.1.0
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, like `Date.now()`. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds; rejects with the signal's reason if `signal` aborts first.
   * A non-positive `ms` resolves on the next turn.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The reason a sleep rejects with when its signal aborts without a reason of its own.
 *
 * @example
 * ```ts
 * import { abortReason } from "aws-refresh-session";
 *
 * const controller = new AbortController();
 * controller.abort();
 * console.log(abortReason(controller.signal)); // DOMException [AbortError]
 * ```
 * @since 0.1.0
 */
export const abortReason = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException("This operation was aborted", "AbortError");

/**
 * The real clock: `Date.now()` and `setTimeout`.
 *
 * Its sleeps keep the process alive on purpose: somebody is awaiting them (a retry back-off under a
 * caller's request), so letting Node exit mid-wait would drop that caller's work on the floor.
 * Background work that nobody awaits is scheduled elsewhere, with unref'd timers.
 *
 * @example
 * ```ts
 * import { systemClock } from "aws-refresh-session";
 *
 * const controller = new AbortController();
 * const nap = systemClock.sleep(60_000, controller.signal);
 * controller.abort();
 * await nap.catch((error: unknown) => console.log((error as Error).name)); // "AbortError"
 * ```
 * @since 0.1.0
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortReason(signal as AbortSignal));
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};
