import type { CredentialCacheError } from "../errors/CredentialCacheError";
import type { Credentials } from "../core/CredentialProvider";

/**
 * A store of credentials shared beyond one provider: between processes, or with the AWS CLI. It is
 * what {@link withCache} reads at each refresh moment and writes after each real refresh;
 * {@link fileCache} is the implementation on disk. Implement it to share credentials another way (a
 * keychain, a database), and give it to a refreshing provider's `cache` option as
 * {@link sharedCache}`(yourCache)`.
 *
 * The rules an implementation follows:
 *
 * - `get` resolves to the credentials stored under `key` (with their real `expiration`), or
 *   `undefined` when there is no entry. With `scope.roleArn`, the entry is for that role: a cache
 *   that records the role of an entry ({@link fileCache} does) rejects one for another role, or for
 *   none, with a `wrong-role` {@link CredentialCacheError}, and `set` records it. Deciding whether they are fresh enough is {@link withCache}'s
 *   job, not the cache's. A present but unusable entry rejects with a {@link CredentialCacheError}:
 *   {@link withCache} reports it and treats the entry as absent.
 * - `set` stores the credentials so that a later `get`, from any process, sees all of them or none of
 *   them (never a partial entry).
 * - `lock`, when given, runs `fn` while holding a lock on `key` that excludes every other process, and
 *   resolves or rejects as `fn` does. If the lock cannot be had, it rejects before running `fn`, and
 *   {@link withCache} goes on without it. Problems after `fn` has run (the lock was taken over, or
 *   could not be released) go to `onWarning` rather than failing work that is already done. Without
 *   `lock`, processes that refresh at the same moment each call their source.
 * - `describe(key)` says where the entry lives (a file's path), for events and logs. Default: the key.
 *   {@link withCache} asks it when it is built, so a key the cache cannot store can be rejected there,
 *   with an {@link InvalidOptionsError}, before any refresh.
 * - Nothing here may put a secret in an error message.
 *
 * @example
 * ```ts
 * import type { CredentialCache, Credentials } from "aws-refresh-session";
 *
 * // In memory: shared by the providers of one process only.
 * const entries = new Map<string, Credentials>();
 * const memoryCache: CredentialCache = {
 *   get: (key) => Promise.resolve(entries.get(key)),
 *   set: (key, credentials) => {
 *     entries.set(key, credentials);
 *     return Promise.resolve();
 *   },
 * };
 * ```
 * @category Cache
 * @since 0.1.0
 */
export interface CredentialCache {
  /** The entry stored under `key`, or `undefined` if there is none; `scope.roleArn`: the role it must be for. */
  get(key: string, scope?: { readonly roleArn?: string }): Promise<Credentials | undefined>;
  /** Stores `credentials` under `key`, replacing any entry, all at once; `scope.roleArn`: the role they are for. */
  set(key: string, credentials: Credentials, scope?: { readonly roleArn?: string }): Promise<void>;
  /** Runs `fn` holding a lock on `key` that excludes other processes. */
  lock?<T>(key: string, fn: () => Promise<T>, onWarning: (warning: CredentialCacheError) => void): Promise<T>;
  /** Where the entry of `key` lives, for messages: never its content. */
  describe?(key: string): string;
}
