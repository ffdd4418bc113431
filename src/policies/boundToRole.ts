import type { SharedCache } from "../cache/sharedCache";

/**
 * `cache` as a role's provider uses it: its layer reads and writes entries as `roleArn`'s (see
 * {@link WithCacheOptions.roleArn}), so that an entry moved onto the role's key from another role's is
 * refused, whatever the key. Every member calls the cache's own, as a method. Only types are imported:
 * a provider given no cache must not carry the cache's code.
 */
const forRole = (cache: SharedCache, roleArn: string): SharedCache => {
  const bound: SharedCache = {
    get: (key, scope) => cache.get(key, scope),
    set: (key, credentials, scope) => cache.set(key, credentials, scope),
    layer: (key, options) => cache.layer(key, { ...options, roleArn }),
    roleKey: (role) => cache.roleKey(role),
  };
  const own = cache as Required<SharedCache>;
  if (cache.lock !== undefined) bound.lock = (key, fn, onWarning) => own.lock(key, fn, onWarning);
  if (cache.describe !== undefined) bound.describe = (key) => own.describe(key);
  return bound;
};

/**
 * A role provider's options with its `cache` bound to the role: entries are read and written as the
 * role's, whether the key is the AWS CLI's or the caller's `cacheKey`. Another role's entry moved onto
 * this key is refused and refreshed, never served.
 *
 * @internal
 */
export const boundToRole = <O extends { readonly roleArn: string; readonly cache?: SharedCache | undefined }>(
  options: O,
): O =>
  options.cache === undefined ? options : { ...options, cache: forRole(options.cache, options.roleArn) };
