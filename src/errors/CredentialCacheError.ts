import { hideKeysAndTokens } from "../core/secretText";
import { brandFor, hasInstance, setBrand } from "../core/brand";
import { recordError } from "./causeRecord";

/**
 * What went wrong with a {@link CredentialCache}:
 *
 * - `corrupt`: the entry is not JSON (a partial write by another program, a truncated file).
 * - `foreign`: the entry is JSON but not credentials as the AWS CLI writes them, or they lack an
 *   expiration this library can read.
 * - `insecure`: the entry is a symbolic link, not a regular file, not owned by this user, or open to
 *   other users (group or other permission bits set); or its directory is owned by another user (not
 *   root), or writable by other users without the sticky bit, so that they could swap its entries.
 * - `wrong-role`: the entry's credentials are not for the role asked for (its assumed-role ARN names
 *   another role, or it names none), as when an entry was moved onto another role's key.
 * - `unreadable`: the entry could not be read (permissions, I/O).
 * - `unwritable`: the entry could not be written (a read-only directory, a full disk).
 * - `uncacheable`: the credentials have no session token or no expiration: only temporary
 *   credentials are stored.
 * - `invalid-key`: the key cannot name a file (only letters, digits and `_.-`, not starting with `.`).
 * - `lock-failed`: the lock could not be taken for a reason other than another holder.
 * - `lock-timeout`: another process held the lock past the wait allowed.
 * - `lock-lost`: the lock was taken over, or could not be released, after the work under it ran.
 *
 * @category Errors
 * @since 0.1.0
 */
export type CacheProblem =
  | "corrupt"
  | "foreign"
  | "insecure"
  | "wrong-role"
  | "unreadable"
  | "unwritable"
  | "uncacheable"
  | "invalid-key"
  | "lock-failed"
  | "lock-timeout"
  | "lock-lost";

const CREDENTIAL_CACHE_ERROR_BRAND = /* @__PURE__ */ brandFor("CredentialCacheError");

/**
 * A cache entry or lock could not be used. {@link withCache} never lets it fail a refresh: it reports
 * it as a warning and carries on as if the entry were absent (or without the lock). The message names
 * the entry's location and the problem, never the entry's content.
 *
 * @example
 * ```ts
 * import { CredentialCacheError } from "aws-refresh-session";
 *
 * const error = new CredentialCacheError("corrupt", "/home/me/.aws/cli/cache/abc.json", "not JSON");
 * console.log(error.problem, error.location);
 * ```
 * @category Errors
 * @since 0.1.0
 */
export class CredentialCacheError extends Error {
  /** By brand, so that it holds for errors made by another copy of this library in the process. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasInstance(this, CredentialCacheError, CREDENTIAL_CACHE_ERROR_BRAND, value);
  }

  override readonly name = "CredentialCacheError";
  /** What kind of problem, to branch on. */
  readonly problem: CacheProblem;
  /** Where: the entry's file for {@link fileCache}. */
  readonly location: string;

  constructor(
    problem: CacheProblem,
    location: string,
    detail: string,
    options?: { readonly cause?: unknown },
  ) {
    // A cache of the user's may describe a failure with what it was handed: no key or token is repeated.
    super(`credential cache entry ${location}: ${problem}: ${hideKeysAndTokens(detail)}`);
    this.problem = problem;
    setBrand(this, CREDENTIAL_CACHE_ERROR_BRAND);
    this.location = location;
    if (options?.cause !== undefined) {
      Object.defineProperty(this, "cause", {
        // A plain record (name, code, message with keys and tokens hidden), never the object itself.
        value: recordError(options.cause),
        enumerable: false,
        writable: true,
        configurable: true,
      });
    }
  }
}
