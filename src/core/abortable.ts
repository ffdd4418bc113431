import { abortReason } from "./Clock";

/**
 * Waits for `promise`, or rejects with the signal's reason as soon as `signal` aborts, whichever comes
 * first. The promise itself runs on: it may be shared with other callers who did not abort, which is
 * why this races it instead of cancelling it.
 *
 * @since 0.1.0
 * @internal
 */
export const abortable = <A>(promise: Promise<A>, signal: AbortSignal | undefined): Promise<A> => {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<A>((resolve, reject) => {
    const onAbort = (): void => {
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
};
