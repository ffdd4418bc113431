/**
 * Time as a parameter.
 *
 * Everything in this library that reads the time or waits takes a {@link Clock}, so that tests (ours
 * and our users') drive time by hand instead of sleeping, and so that expiry decisions are made
 * against one source of truth.
 *
 * @packageDocumentation
 */
import { MAX_TIMER_MS } from "../errors/codecs";

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
 * @category Clock
 * @since 0.1.0
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, like `Date.now()`. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds; rejects with the signal's reason if `signal` aborts first.
   * A non-positive `ms` resolves on the next turn; a wait longer than a timer can make (2^31 - 1 ms)
   * is made in steps. With `{ background: true }` the wait does not keep
   * the process alive: for work nobody awaits, such as a refresh ahead of expiry.
   */
  sleep(ms: number, signal?: AbortSignal, options?: SleepOptions): Promise<void>;
}

/**
 * Options of {@link Clock.sleep}.
 *
 * @example
 * ```ts
 * import { systemClock, type SleepOptions } from "aws-refresh-session";
 *
 * const background: SleepOptions = { background: true };
 * void systemClock.sleep(60_000, undefined, background).then(() => console.log("only if still running"));
 * ```
 * @category Clock
 * @since 0.1.0
 */
export interface SleepOptions {
  /** Nobody awaits this wait: it must not keep the process alive. Default false. */
  readonly background?: boolean | undefined;
}

/**
 * The reason a sleep rejects with when its signal aborts without a reason of its own.
 *
 * @since 0.1.0
 * @internal
 */
export const abortReason = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException("This operation was aborted", "AbortError");

/**
 * The real clock: `Date.now()` and `setTimeout`.
 *
 * Its sleeps keep the process alive by default, on purpose: somebody is awaiting them (a retry
 * back-off under a caller's request), so letting Node exit mid-wait would drop that caller's work on the
 * floor. Background waits (`{ background: true }`) use unref'd timers, so a program that is done exits
 * at once.
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
 * @category Clock
 * @since 0.1.0
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal, options) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortReason(signal as AbortSignal));
      };
      // setTimeout takes at most 2^31 - 1 ms (a longer wait fires after 1 ms, with a warning), so a
      // longer wait is made in steps of at most that.
      let remaining = Number.isNaN(ms) ? 0 : Math.max(0, ms);
      const step = (): void => {
        const wait = Math.min(remaining, MAX_TIMER_MS);
        remaining -= wait;
        timer = setTimeout(() => {
          if (remaining > 0) {
            step();
            return;
          }
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, wait);
        if (options?.background === true) timer.unref();
      };
      step();
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};
