import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { isLeft } from "fp-ts/Either";
import * as t from "io-ts";
import type * as Lockfile from "proper-lockfile";
import { systemClock, type Clock } from "../core/Clock";
import {
  ClockCodec,
  failedFields,
  integerIn,
  NonEmptyString,
  NonNegativeMillis,
  stringOf,
  strictOptions,
} from "../errors/codecs";
import { withSharing, type SharedCache } from "./sharedCache";
import { CredentialCacheError } from "../errors/CredentialCacheError";
import { redactSecrets, type Credentials } from "../core/CredentialProvider";
import { decodeOptions, decodeOptionsAs, InvalidOptionsError } from "../errors/InvalidOptionsError";

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
/** A CLI entry is about 1.2 KB (it keeps the whole AssumeRole response); anything this big is not one. */
const MAX_ENTRY_BYTES = 64 * 1024;
/** First and longest pause between two tries for a held lock. */
const LOCK_POLL_MS = { first: 20, max: 250 };

// On Windows there are no such flags (and no symbolic links to refuse in the same way): 0 leaves them out.
const platformFlags: Partial<typeof constants> = constants;
const NO_FOLLOW = platformFlags.O_NOFOLLOW ?? 0;
const NON_BLOCK = platformFlags.O_NONBLOCK ?? 0;

/**
 * The cache file format, as botocore's `JSONFileCache` writes the `AssumeRole` response: `Credentials`,
 * and `AssumedRoleUser.Arn`, the assumed-role ARN that says which role they are for. The CLI also keeps
 * `ResponseMetadata`, which is ignored. This library's own entries say their role in `RoleArn` (the
 * role's ARN as asked for, which it knows; its sources do not keep STS's assumed-role ARN), a key the
 * CLI and boto3 ignore.
 */
const EntryCodec = /* @__PURE__ */ t.intersection([
  t.type({
    Credentials: t.intersection([
      t.type({
        AccessKeyId: NonEmptyString,
        SecretAccessKey: NonEmptyString,
        SessionToken: NonEmptyString,
        Expiration: NonEmptyString,
      }),
      t.partial({ AccountId: t.string }),
    ]),
  }),
  t.partial({ AssumedRoleUser: t.partial({ Arn: t.string }), RoleArn: t.string }),
]);

/** Partition, account and name of a role's ARN (`arn:aws:iam::123456789012:role/path/Name`). */
const roleOf = (arn: string): string | undefined => {
  const match = /^arn:([\w-]+):iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/.exec(arn);
  return match === null ? undefined : `${match[1]}:${match[2]}:${match[3]}`;
};

/**
 * Partition, account and role name of an assumed-role ARN
 * (`arn:aws:sts::123456789012:assumed-role/Name/session`): it drops the role's path, and a role's
 * name is unique in its account whatever its path.
 */
const assumedRoleOf = (arn: string): string | undefined => {
  const match = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return match === null ? undefined : `${match[1]}:${match[2]}:${match[3]}`;
};

/**
 * Why an entry is not the role's, if it is not: each role the entry names (STS's assumed-role ARN,
 * the role ARN this library wrote) must be `roleArn`, and it must name at least one.
 */
const wrongRole = (
  entry: { readonly AssumedRoleUser?: { readonly Arn?: string }; readonly RoleArn?: string },
  roleArn: string,
): string | undefined => {
  const wanted = roleOf(roleArn);
  const assumed = entry.AssumedRoleUser?.Arn;
  const named = [
    ...(assumed === undefined ? [] : [{ arn: assumed, role: assumedRoleOf(assumed) }]),
    ...(entry.RoleArn === undefined ? [] : [{ arn: entry.RoleArn, role: roleOf(entry.RoleArn) }]),
  ];
  if (named.length === 0) return `names no role (no AssumedRoleUser.Arn), and ${roleArn} was asked for`;
  const other = named.find(({ role }) => role === undefined || role !== wanted);
  return other === undefined ? undefined : `holds credentials for ${other.arn}, not for ${roleArn}`;
};

/**
 * The timestamps found in CLI cache entries: the AWS CLI v1 keeps STS's own text
 * (`2030-01-01T12:00:00.123456Z`), boto3 writes `2030-01-01T12:00:00UTC`, others write an offset.
 * An expiration without a zone is refused: its instant is unknown. Every field must be in range, as
 * the round trip checks: `Date.UTC` would roll `12:99` over into `13:39`, and `02-31` into March.
 */
const parseExpiration = (text: string): Date | undefined => {
  const match =
    /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|UTC|GMT|[+-]\d\d:?\d\d)$/i.exec(text);
  if (match === null) return undefined;
  const [, ...texts] = match;
  const [y, mo, d, h, mi, s] = texts.slice(0, 6).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = texts[6] ?? "";
  const zone = texts[7] ?? "Z";
  const local = new Date(Date.UTC(y, mo - 1, d, h, mi, s, Number(fraction.padEnd(3, "0").slice(0, 3))));
  // Date.UTC maps years 0-99 to 1900-1999: setUTCFullYear takes the year as written.
  local.setUTCFullYear(y);
  const roundTrips =
    local.getUTCFullYear() === y &&
    local.getUTCMonth() === mo - 1 &&
    local.getUTCDate() === d &&
    local.getUTCHours() === h &&
    local.getUTCMinutes() === mi &&
    local.getUTCSeconds() === s;
  if (!roundTrips) return undefined;
  const offset = /^([+-])(\d\d):?(\d\d)$/.exec(zone);
  if (offset === null) return local;
  const [, sign, oh, om] = offset;
  if (Number(oh) > 23 || Number(om) > 59) return undefined;
  return new Date(local.getTime() - (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000);
};

const codeOf = (error: unknown): string =>
  typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string"
    ? (error as { code: string }).code
    : error instanceof Error
      ? error.name
      : "unknown error";

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

  /**
   * Refuses a directory where another user could swap the entries, as OpenSSH's StrictModes does: it
   * must be owned by this user or root, and not writable by group or others unless sticky (as `/tmp`
   * is, where only a file's owner may rename or remove it). `false` when it does not exist.
   */
  const checkDirectory = async (): Promise<boolean> => {
    const uid = process.getuid?.();
    let found: Awaited<ReturnType<typeof stat>>;
    try {
      found = await stat(directory);
    } catch (error) {
      const code = codeOf(error);
      if (code === "ENOENT") return false;
      throw new CredentialCacheError("unreadable", directory, `cannot be examined (${code})`, {
        cause: error,
      });
    }
    // Windows has no owners or modes of this kind; its ACLs are not checked here.
    if (uid === undefined) return true;
    if (found.uid !== uid && found.uid !== 0) {
      throw new CredentialCacheError(
        "insecure",
        directory,
        `is owned by uid ${found.uid}, neither this user (${uid}) nor root: its owner could swap its entries; use a directory of your own`,
      );
    }
    if ((found.mode & 0o022) !== 0 && (found.mode & 0o1000) === 0) {
      throw new CredentialCacheError(
        "insecure",
        directory,
        `has mode ${(found.mode & 0o7777).toString(8).padStart(4, "0")}, writable by other users without the sticky bit: they could move one role's entry onto another's key; chmod 700 it, or use a directory of your own`,
      );
    }
    return true;
  };

  const entryPath = (key: string): string => {
    if (!KeyCodec.is(key)) {
      throw new CredentialCacheError("invalid-key", join(directory, "?"), `the key must be ${KeyCodec.name}`);
    }
    return join(directory, `${key}.json`);
  };

  const readEntry = async (path: string): Promise<string | undefined> => {
    let handle: FileHandle;
    try {
      // O_NONBLOCK: a FIFO planted at the entry's name must not hang the read.
      handle = await open(path, constants.O_RDONLY | NO_FOLLOW | NON_BLOCK);
    } catch (error) {
      const code = codeOf(error);
      if (code === "ENOENT") return undefined;
      if (code === "ELOOP")
        throw new CredentialCacheError("insecure", path, "is a symbolic link; not followed");
      throw new CredentialCacheError("unreadable", path, `cannot be opened (${code})`, { cause: error });
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new CredentialCacheError("insecure", path, "is not a regular file");
      const uid = process.getuid?.();
      if (uid !== undefined && stat.uid !== uid) {
        throw new CredentialCacheError(
          "insecure",
          path,
          `is owned by uid ${stat.uid}, not by this user (${uid})`,
        );
      }
      if (uid !== undefined && (stat.mode & 0o077) !== 0) {
        throw new CredentialCacheError(
          "insecure",
          path,
          `has mode ${(stat.mode & 0o777).toString(8).padStart(4, "0")}, open to other users; expected 0600`,
        );
      }
      if (stat.size > MAX_ENTRY_BYTES) {
        throw new CredentialCacheError("foreign", path, `is ${stat.size} bytes, too large for an entry`);
      }
      return await handle.readFile("utf8");
    } catch (error) {
      if (error instanceof CredentialCacheError) throw error;
      throw new CredentialCacheError("unreadable", path, `cannot be read (${codeOf(error)})`, {
        cause: error,
      });
    } finally {
      await handle.close();
    }
  };

  const get = async (
    key: string,
    scope?: { readonly roleArn?: string },
  ): Promise<Credentials | undefined> => {
    const path = entryPath(key);
    if (!(await checkDirectory())) return undefined;
    const text = await readEntry(path);
    if (text === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // The parser's message quotes the text, which holds secrets: only its length is told.
      throw new CredentialCacheError(
        "corrupt",
        path,
        `is not JSON (${text.length} characters; a partial write?)`,
      );
    }
    const entry = EntryCodec.decode(json);
    if (isLeft(entry)) {
      throw new CredentialCacheError(
        "foreign",
        path,
        `is not a CLI credential entry: invalid or missing ${failedFields(entry.left).join(", ")}`,
      );
    }
    const { Credentials: stored } = entry.right;
    if (scope?.roleArn !== undefined) {
      const problem = wrongRole(entry.right, scope.roleArn);
      if (problem !== undefined) throw new CredentialCacheError("wrong-role", path, problem);
    }
    const expiration = parseExpiration(stored.Expiration);
    if (expiration === undefined) {
      throw new CredentialCacheError(
        "foreign",
        path,
        "has an Expiration that is not an ISO 8601 time with a zone",
      );
    }
    return redactSecrets({
      accessKeyId: stored.AccessKeyId,
      secretAccessKey: stored.SecretAccessKey,
      sessionToken: stored.SessionToken,
      expiration,
      ...(stored.AccountId === undefined || stored.AccountId === "" ? {} : { accountId: stored.AccountId }),
    });
  };

  const makeDirectory = async (problem: "unwritable" | "lock-failed", path: string): Promise<void> => {
    try {
      await mkdir(directory, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new CredentialCacheError(problem, path, `its directory cannot be created (${codeOf(error)})`, {
        cause: error,
      });
    }
  };

  const set = async (
    key: string,
    credentials: Credentials,
    scope?: { readonly roleArn?: string },
  ): Promise<void> => {
    const path = entryPath(key);
    const { sessionToken, expiration } = credentials;
    if (sessionToken === undefined || expiration === undefined || Number.isNaN(expiration.getTime())) {
      throw new CredentialCacheError(
        "uncacheable",
        path,
        "only temporary credentials (with a session token and an expiration) are stored",
      );
    }
    const content = JSON.stringify({
      Credentials: {
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        SessionToken: sessionToken,
        Expiration: expiration.toISOString(),
        ...(credentials.accountId === undefined ? {} : { AccountId: credentials.accountId }),
      },
      ...(scope?.roleArn === undefined ? {} : { RoleArn: scope.roleArn }),
    });
    await makeDirectory("unwritable", path);
    await checkDirectory();
    const temporary = join(directory, `${key}.${randomBytes(8).toString("hex")}.tmp`);
    try {
      const handle = await open(
        temporary,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW,
        0o600,
      );
      try {
        await handle.writeFile(content, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
    } catch (error) {
      // The temporary file may not exist (the open failed); the error to report is the first one.
      await rm(temporary, { force: true }).catch(() => undefined);
      throw new CredentialCacheError("unwritable", path, `cannot be written (${codeOf(error)})`, {
        cause: error,
      });
    }
  };

  const lock = async <T>(
    key: string,
    fn: () => Promise<T>,
    onWarning: (warning: CredentialCacheError) => void,
  ): Promise<T> => {
    const path = entryPath(key);
    const lockPath = join(directory, `${key}.lock`);
    await makeDirectory("lock-failed", lockPath);
    await checkDirectory();
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
                `was taken over while held (${codeOf(error)})`,
                {
                  cause: error,
                },
              ),
            );
          },
        });
        break;
      } catch (error) {
        const code = codeOf(error);
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
          new CredentialCacheError("lock-lost", lockPath, `could not be released (${codeOf(error)})`, {
            cause: error,
          }),
        );
      }
    }
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
