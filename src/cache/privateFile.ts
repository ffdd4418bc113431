/**
 * Files only this user could have written: the rules that keep another local user from feeding
 * {@link fileCache} an entry (a swapped file, a symbolic link, a FIFO, a directory others can write)
 * or reading the one it writes. Apart from the entry's format, so that each rule can be read, and
 * checked, on its own.
 *
 * @packageDocumentation
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { CredentialCacheError } from "../errors/CredentialCacheError";
import { errorCodeOf } from "./errorCodeOf";

/** A CLI entry is about 1.2 KB (it keeps the whole AssumeRole response); anything this big is not one. */
const MAX_ENTRY_BYTES = 64 * 1024;

// On Windows there are no such flags (and no symbolic links to refuse in the same way): 0 leaves them out.
const platformFlags: Partial<typeof constants> = constants;
const NO_FOLLOW = platformFlags.O_NOFOLLOW ?? 0;
const NON_BLOCK = platformFlags.O_NONBLOCK ?? 0;

/**
 * Refuses a directory where another user could swap the entries, as OpenSSH's StrictModes does: it
 * must be owned by this user or root, and not writable by group or others unless sticky (as `/tmp`
 * is, where only a file's owner may rename or remove it). `false` when it does not exist.
 *
 * @internal
 */
export const checkPrivateDirectory = async (directory: string): Promise<boolean> => {
  const uid = process.getuid?.();
  let found: Awaited<ReturnType<typeof stat>>;
  try {
    found = await stat(directory);
  } catch (error) {
    const code = errorCodeOf(error);
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

/**
 * Creates the directory (mode `0700`) if it is missing; a failure is reported as `problem` at `path`,
 * the file that was about to be made in it.
 *
 * @internal
 */
export const makePrivateDirectory = async (
  directory: string,
  problem: "unwritable" | "lock-failed",
  path: string,
): Promise<void> => {
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new CredentialCacheError(problem, path, `its directory cannot be created (${errorCodeOf(error)})`, {
      cause: error,
    });
  }
};

/**
 * The file's text if it is a regular file (never through a symbolic link), owned by this user, with no
 * permission for group or others, and small enough to be an entry; `undefined` if there is none.
 *
 * @internal
 */
export const readPrivateFile = async (path: string): Promise<string | undefined> => {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: a FIFO planted at the entry's name must not hang the read.
    handle = await open(path, constants.O_RDONLY | NO_FOLLOW | NON_BLOCK);
  } catch (error) {
    const code = errorCodeOf(error);
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
    throw new CredentialCacheError("unreadable", path, `cannot be read (${errorCodeOf(error)})`, {
      cause: error,
    });
  } finally {
    await handle.close();
  }
};

/**
 * Replaces the file with `content` as a whole: written to a new file `<stem>.<random>.tmp`, created
 * exclusively (`O_EXCL`, mode `0600`) beside it, then renamed over it. A reader sees the whole new
 * content or the old, never a part, and a symbolic link planted at `path` is replaced, never followed.
 *
 * @internal
 */
export const writePrivateFile = async (path: string, content: string, stem: string): Promise<void> => {
  const temporary = `${stem}.${randomBytes(8).toString("hex")}.tmp`;
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
    throw new CredentialCacheError("unwritable", path, `cannot be written (${errorCodeOf(error)})`, {
      cause: error,
    });
  }
};
