/**
 * The lock that lets one process refresh a role while the others on the machine wait for its entry,
 * apart from the cache's reads and writes because it has its own lifecycle: polling for a held lock on
 * the caller's clock, taking over a dead holder's, and what is left to report once the work is done.
 *
 * @packageDocumentation
 */
import type * as Lockfile from "proper-lockfile";
import type { Clock } from "../core/Clock";
import { CredentialCacheError } from "../errors/CredentialCacheError";
import { errorCodeOf } from "./errorCodeOf";

/** First and longest pause between two tries for a held lock. */
const LOCK_POLL_MS = { first: 20, max: 250 };

/**
 * proper-lockfile is loaded at the first lock, not with this module: it installs exit and signal
 * handlers (to remove its locks), and graceful-fs patches `fs.close`, which a program that never uses
 * a file cache should not get. The ES module build (for bundlers) imports it statically instead (see
 * scripts/build.mjs): a bundle has it only where a file cache is used.
 */
const loadLockfile = (): Promise<typeof Lockfile> =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deferred load; see above.
  Promise.resolve(require("proper-lockfile") as typeof Lockfile);

/**
 * Which lock {@link withFileLock} takes, and how patiently.
 *
 * @internal
 */
export interface FileLock {
  /** The file the lock is for. */
  readonly path: string;
  /** The lock itself: a directory, created atomically, that its holder renews. */
  readonly lockPath: string;
  /** Age, unrenewed, at which a lock counts as a dead process's and is taken over. */
  readonly staleLockMs: number;
  /** How long to wait for another holder before giving up with `lock-timeout`. */
  readonly lockWaitMs: number;
  /** Paces the waits. */
  readonly clock: Clock;
}

/**
 * Runs `fn` holding `lock`, and resolves or rejects as it does. A lock that cannot be had rejects
 * before `fn` runs (`lock-failed`, `lock-timeout`); a lock taken over while held, or not released,
 * goes to `onWarning` (`lock-lost`), since the work under it is done by then.
 *
 * @internal
 */
export const withFileLock = async <T>(
  lock: FileLock,
  fn: () => Promise<T>,
  onWarning: (warning: CredentialCacheError) => void,
): Promise<T> => {
  const { path, lockPath, staleLockMs, lockWaitMs, clock } = lock;
  const { lock: acquire } = await loadLockfile();
  const deadline = clock.now() + lockWaitMs;
  let pause = LOCK_POLL_MS.first;
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await acquire(path, {
        lockfilePath: lockPath,
        realpath: false,
        stale: staleLockMs,
        retries: 0,
        onCompromised: (error) => {
          onWarning(
            new CredentialCacheError(
              "lock-lost",
              lockPath,
              `was taken over while held (${errorCodeOf(error)})`,
              {
                cause: error,
              },
            ),
          );
        },
      });
      break;
    } catch (error) {
      const code = errorCodeOf(error);
      if (code !== "ELOCKED") {
        throw new CredentialCacheError("lock-failed", lockPath, `cannot be taken (${code})`, {
          cause: error,
        });
      }
      const left = deadline - clock.now();
      if (left <= 0) {
        throw new CredentialCacheError(
          "lock-timeout",
          lockPath,
          `is still held by another process after ${lockWaitMs} ms`,
        );
      }
      await clock.sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, LOCK_POLL_MS.max);
    }
  }
  try {
    return await fn();
  } finally {
    try {
      await release();
    } catch (error) {
      onWarning(
        new CredentialCacheError("lock-lost", lockPath, `could not be released (${errorCodeOf(error)})`, {
          cause: error,
        }),
      );
    }
  }
};
