import { homedir } from "node:os";
import { join } from "node:path";
import * as t from "io-ts";
import { systemClock, type Clock } from "../core/Clock";
import type { Credentials } from "../core/CredentialProvider";
import {
  ClockCodec,
  integerIn,
  NonEmptyString,
  NonNegativeMillis,
  stringOf,
  strictOptions,
} from "../errors/codecs";
import { CredentialCacheError } from "../errors/CredentialCacheError";
import { decodeOptions, decodeOptionsAs, InvalidOptionsError } from "../errors/InvalidOptionsError";
import { formatCacheEntry, parseCacheEntry } from "./cacheEntry";
import {
  checkPrivateDirectory,
  makePrivateDirectory,
  readPrivateFile,
  writePrivateFile,
} from "./privateFile";
import { withSharing, type SharedCache } from "./sharedCache";
import { withFileLock } from "./withFileLock";

/**
 * Options of {@link fileCache}.
 *
 * @example
 * ```ts
 * import type { FileCacheOptions } from "aws-refresh-session";
 *
 * const options: FileCacheOptions = { directory: "/var/run/my-service/aws-cache", lockWaitMs: 60_000 };
 * ```
 * @category Cache
 * @since 0.1.0
 */
export interface FileCacheOptions {
  /**
   * Where the entries live. Default: the AWS CLI's assume-role cache, `~/.aws/cli/cache`, so that the
   * CLI and this library share sessions. Created (mode `0700`) at the first write if missing.
   */
  readonly directory?: string;
  /**
   * How old a lock must be, with nobody renewing it, before it counts as left by a dead process and is
   * taken over. The holder renews it every half of this while it lives. At least 2000 (the locking
   * library's floor); default 10,000.
   */
  readonly staleLockMs?: number;
  /**
   * How long to wait for another process's lock before going on without it (and calling the source
   * anyway). Must exceed `staleLockMs`, so that a dead holder's lock is taken over first. Default:
   * 30,000, or three times `staleLockMs` if that is longer.
   */
  readonly lockWaitMs?: number;
  /** Paces the waits for a lock. Default: {@link systemClock}. */
  readonly clock?: Clock;
}

/**
 * A {@link CredentialCache} on disk, made by {@link fileCache}.
 *
 * @example
 * ```ts
 * import { fileCache, type FileCache } from "aws-refresh-session";
 *
 * const cache: FileCache = fileCache();
 * console.log(cache.directory); // e.g. /home/me/.aws/cli/cache
 * ```
 * @category Cache
 * @since 0.1.0
 */
export interface FileCache extends SharedCache {
  /** The directory of the entries, resolved at construction. */
  readonly directory: string;
  lock<T>(key: string, fn: () => Promise<T>, onWarning: (warning: CredentialCacheError) => void): Promise<T>;
  /** The entry's file; an {@link InvalidOptionsError} for a key that cannot name one. */
  describe(key: string): string;
}

const FileCacheCodec = /* @__PURE__ */ strictOptions(
  "FileCacheOptions",
  {},
  {
    directory: NonEmptyString,
    staleLockMs: integerIn(2_000, 24 * 3_600_000),
    lockWaitMs: NonNegativeMillis,
    clock: ClockCodec,
  },
);

const KeyCodec = /* @__PURE__ */ stringOf(
  1,
  200,
  /^[\w-][\w.-]*$/,
  "1 to 200 letters, digits and _.- (not starting with .)",
);

const KeyOptionCodec = /* @__PURE__ */ t.type({ key: KeyCodec });

const DEFAULT_STALE_LOCK_MS = 10_000;
const DEFAULT_LOCK_WAIT_MS = 30_000;

/**
 * A {@link CredentialCache} in files, compatible with the AWS CLI's and boto3's (botocore's
 * `JSONFileCache`): one file per key, `<directory>/<key>.json`, holding
 * `{"Credentials": {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "AccountId"}}`
 * as the CLI writes it. With {@link assumeRoleCacheKey}'s keys and the default directory, the CLI
 * reads the entries this library writes, and the other way round.
 *
 * Safe on disk:
 * - An entry is written to a new file created exclusively (`O_EXCL`, mode `0600`) in the same
 *   directory, then renamed over the old one: a reader sees a whole entry or the previous one, never a
 *   partial one, and a symbolic link planted at the entry's name is replaced, never followed.
 * - The directory is created with mode `0700` if missing. As OpenSSH's `StrictModes`, a directory
 *   where another user could swap entries is not used at all: it must be owned by this user or root,
 *   and not writable by group or others unless sticky (as `/tmp` is). Any other is refused with an
 *   `insecure` {@link CredentialCacheError} naming the directory (a warning from {@link withCache});
 *   the provider then works without the cache.
 * - An entry asked for as a role's (by {@link refreshingRole}, {@link refreshingWebIdentity} and
 *   {@link session}, or with {@link withCache}'s `roleArn`) must name that role: the CLI's entries in
 *   `AssumedRoleUser.Arn` (partition, account and role name compared), this library's in `RoleArn`.
 *   One for another role, or for none, is refused as `wrong-role` and replaced at the refresh: an
 *   entry moved onto another role's key never turns a `ReadOnly` provider into an `Admin` one.
 * - An entry is read only if it is a regular file (symbolic links are refused), owned by this user,
 *   with no permission for group or others (as the CLI writes them), at most 64 KiB, and JSON of the
 *   CLI's shape with a readable expiration. Any other is refused with a {@link CredentialCacheError}
 *   (which {@link withCache} reports as a warning) and replaced at the next refresh.
 * - `lock` uses `proper-lockfile`: a directory `<key>.lock` beside the entry, created atomically and
 *   renewed by its holder; one left by a killed process is taken over once `staleLockMs` old. A
 *   waiter that cannot get the lock within `lockWaitMs` goes on without it.
 *
 * Nothing is read or written before the first `get`, `set` or `lock`.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, assumeRoleCacheKey, fileCache, withCache } from "aws-refresh-session";
 *
 * const options = { roleArn: "arn:aws:iam::123456789012:role/Reader", region: "eu-west-1" };
 * // One AssumeRole call for every process on this machine (and the AWS CLI) while the session lasts.
 * const credentials = pipe(assumeRole(options), withCache(fileCache(), assumeRoleCacheKey(options)));
 * ```
 * @category Cache
 * @since 0.1.0
 */
export const fileCache = (options: FileCacheOptions = {}): FileCache => {
  const decoded = decodeOptionsAs<FileCacheOptions>()("fileCache", FileCacheCodec, options);
  const staleLockMs = decoded.staleLockMs ?? DEFAULT_STALE_LOCK_MS;
  const lockWaitMs = decoded.lockWaitMs ?? Math.max(DEFAULT_LOCK_WAIT_MS, staleLockMs * 3);
  if (lockWaitMs <= staleLockMs) {
    throw new InvalidOptionsError("fileCache", [
      {
        path: "lockWaitMs",
        rule: `must exceed staleLockMs (${staleLockMs}), else a lock left by a killed process is never taken over (got ${lockWaitMs})`,
      },
    ]);
  }
  // HOME first, as the AWS CLI's expanduser("~") and the SDK's getHomeDir() read it: the CLI and this
  // library must agree on the directory whatever HOME a program or a test sets.
  const directory = decoded.directory ?? join(process.env.HOME || homedir(), ".aws", "cli", "cache");
  const clock = decoded.clock ?? systemClock;

  const entryPath = (key: string): string => {
    if (!KeyCodec.is(key)) {
      throw new CredentialCacheError("invalid-key", join(directory, "?"), `the key must be ${KeyCodec.name}`);
    }
    return join(directory, `${key}.json`);
  };

  const get = async (
    key: string,
    scope?: { readonly roleArn?: string },
  ): Promise<Credentials | undefined> => {
    const path = entryPath(key);
    if (!(await checkPrivateDirectory(directory))) return undefined;
    const text = await readPrivateFile(path);
    return text === undefined ? undefined : parseCacheEntry(path, text, scope?.roleArn);
  };

  const set = async (
    key: string,
    credentials: Credentials,
    scope?: { readonly roleArn?: string },
  ): Promise<void> => {
    const path = entryPath(key);
    const content = formatCacheEntry(path, credentials, scope?.roleArn);
    await makePrivateDirectory(directory, "unwritable", path);
    await checkPrivateDirectory(directory);
    await writePrivateFile(path, content, join(directory, key));
  };

  const lock = async <T>(
    key: string,
    fn: () => Promise<T>,
    onWarning: (warning: CredentialCacheError) => void,
  ): Promise<T> => {
    const path = entryPath(key);
    const lockPath = join(directory, `${key}.lock`);
    await makePrivateDirectory(directory, "lock-failed", lockPath);
    await checkPrivateDirectory(directory);
    return withFileLock({ path, lockPath, staleLockMs, lockWaitMs, clock }, fn, onWarning);
  };

  return withSharing({
    directory,
    get,
    set,
    lock,
    // withCache asks for the location when it is built: a key that names no file here fails then,
    // before any refresh, rather than as a warning at each one.
    describe: (key: string) => {
      decodeOptions("fileCache", KeyOptionCodec, { key });
      return join(directory, `${key}.json`);
    },
  });
};
