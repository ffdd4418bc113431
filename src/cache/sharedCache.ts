import type { ProviderTransform } from "../core/CredentialProvider";
import { CredentialCacheCodec } from "../errors/codecs";
import { decodeOptions } from "../errors/InvalidOptionsError";
import { assumeRoleCacheKey, type AssumeRoleCacheKeyInput } from "./assumeRoleCacheKey";
import type { CredentialCache } from "./CredentialCache";
import { withCache, type WithCacheOptions } from "./withCache";

/**
 * A {@link CredentialCache} that a refreshing provider ({@link refreshingRole},
 * {@link refreshingWebIdentity}, {@link refreshing}, {@link session}) can take as its `cache` option.
 * {@link fileCache} makes one; {@link sharedCache} makes one of a store of your own.
 *
 * Beside the store's methods it carries the code that uses the store: the layer that reads and writes
 * it, and the AWS CLI's key for a role's session. The provider calls them only when it is given a
 * cache, so a program that gives none does not carry that code (6.4 KB of a minified bundle).
 *
 * @example
 * ```ts
 * import { fileCache, refreshingRole, type SharedCache } from "aws-refresh-session";
 *
 * const cache: SharedCache = fileCache();
 * const credentials = refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader", cache });
 * ```
 * @category Cache
 * @since 0.1.0
 */
export interface SharedCache extends CredentialCache {
  /**
   * The layer that reads and writes this cache under `key` ({@link withCache} with this cache): a
   * refreshing provider puts it below its refresh rules.
   */
  layer(key: string, options?: WithCacheOptions): ProviderTransform;
  /**
   * The key of a role's session when no `cacheKey` is given: the AWS CLI's,
   * {@link assumeRoleCacheKey}, so that the CLI and this library share sessions.
   */
  roleKey(role: AssumeRoleCacheKeyInput): string;
}

/**
 * Makes a {@link CredentialCache} of your own (a keychain, a database) the `cache` of a refreshing
 * provider, as {@link fileCache} is: a {@link SharedCache} that reads and writes through `store`'s
 * methods, under the AWS CLI's key for a role unless `cacheKey` is given. `store` itself is not
 * changed; {@link withCache} takes it as it is.
 *
 * @example
 * ```ts
 * import { refreshingRole, sharedCache, type CredentialCache, type Credentials } from "aws-refresh-session";
 *
 * const entries = new Map<string, Credentials>();
 * const store: CredentialCache = {
 *   get: (key) => Promise.resolve(entries.get(key)),
 *   set: (key, credentials) => Promise.resolve(void entries.set(key, credentials)),
 * };
 * const credentials = refreshingRole({
 *   roleArn: "arn:aws:iam::123456789012:role/Reader",
 *   cache: sharedCache(store),
 * });
 * ```
 * @category Cache
 * @since 0.1.0
 */
export const sharedCache = (store: CredentialCache): SharedCache => {
  decodeOptions("sharedCache", CredentialCacheCodec, store);
  // Already one (fileCache(), or a SharedCache of your own): its layer and key stay as they are.
  if (isShared(store)) return store;
  // A new object that calls the store's methods, looked up at each call: the store may be a class
  // instance, whose methods a copy would lose, or be patched or spied on later, and it is not ours to
  // change. A lock and a description are used if the store has them now.
  const cache: CredentialCache = {
    get: (key, scope) => store.get(key, scope),
    set: (key, credentials, scope) => store.set(key, credentials, scope),
  };
  const own = store as Required<CredentialCache>;
  if (store.lock !== undefined) cache.lock = (key, fn, onWarning) => own.lock(key, fn, onWarning);
  if (store.describe !== undefined) cache.describe = (key) => own.describe(key);
  return withSharing(cache);
};

const isShared = (cache: CredentialCache): cache is SharedCache => {
  const { layer, roleKey } = cache as Partial<SharedCache>;
  return typeof layer === "function" && typeof roleKey === "function";
};

/**
 * `cache` (an object of ours, changed in place) with the layer and the role key of a
 * {@link SharedCache}: what {@link sharedCache} and {@link fileCache} both add. The layer uses the
 * cache it is called on, so that a copy with a member replaced (`{ ...cache, set }`) uses the new one.
 *
 * @internal
 */
export const withSharing = <C extends CredentialCache>(cache: C): C & SharedCache =>
  Object.assign(cache, {
    layer(this: CredentialCache | undefined, key: string, options?: WithCacheOptions) {
      // Called detached (`const { layer } = cache`), `this` is undefined, or the global object in
      // sloppy code: the cache it came with, then.
      const self = this === undefined || (this as unknown) === globalThis ? cache : this;
      return withCache(self, key, options);
    },
    roleKey: assumeRoleCacheKey,
  });
