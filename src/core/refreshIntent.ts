/**
 * What a refreshing layer tells the layers below it about one call: whether anybody waits for it,
 * and which key it is replacing. It is a protocol between this library's own combinators, not an
 * option for users, so it travels beside the public `ProviderOptions` under a symbol of its own: a
 * user's provider sees nothing new in its options, and the public type does not offer knobs whose
 * only sensible setter is `refreshAhead`.
 *
 * The field is enumerable, so that it survives the spreads every layer makes of the options it
 * forwards (`{ ...options, signal }`), and its symbol is a registered one, so that two copies of the
 * library in one process (a bundle beside an unbundled dependency) still understand each other.
 */
import type { ProviderOptions } from "./CredentialProvider";

/**
 * What a call is for, as far as the layers below the refreshing one need to know.
 *
 * @internal
 */
export interface RefreshIntent {
  /**
   * Nobody waits for this call (a refresh ahead of expiry): its timers must not keep the process
   * alive. Honoured by `withTimeout` and `retryWith`.
   */
  readonly background: boolean;
  /**
   * The access key id of the credentials this call is to replace (expiring, or rejected by a
   * service): a cache below must not hand them back. Honoured by `withCache`, and by `refreshAhead`
   * and `memoizeUntil`, which refresh (within their backoff) when it names the key they hold, so
   * caches nest.
   */
  readonly replacing: string | undefined;
}

const INTENT = Symbol.for("aws-refresh-session.refreshIntent");

const NO_INTENT: RefreshIntent = { background: false, replacing: undefined };

/**
 * The intent a call carries; a call from outside the library carries none.
 *
 * @internal
 */
export const refreshIntentOf = (options: ProviderOptions | undefined): RefreshIntent =>
  (options as { [INTENT]?: RefreshIntent } | undefined)?.[INTENT] ?? NO_INTENT;

/**
 * A copy of `options` that carries `intent` to the layers below.
 *
 * @internal
 */
export const withRefreshIntent = (options: ProviderOptions, intent: RefreshIntent): ProviderOptions => ({
  ...options,
  [INTENT]: intent,
});
