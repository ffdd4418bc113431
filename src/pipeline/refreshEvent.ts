/**
 * What a refreshing provider tells the world: the public vocabulary of its events, apart from the
 * rules that emit them (decide) and the edge that delivers them, since listeners, the log lines and the
 * telemetry all read it.
 */
import type { CredentialRefreshError } from "../errors/CredentialRefreshError";

/**
 * Why a refresh started: the first credentials (`initial`), a background refresh in the advisory
 * window (`advisory`), callers in the mandatory window (`mandatory`), callers holding expired
 * credentials (`expired`), a key that a service rejected (`invalidated`), or a caller's
 * `forceRefresh` (`forced`). Only `advisory` refreshes run with nobody waiting.
 *
 * @category Types
 * @since 0.1.0
 */
export type RefreshReason = "initial" | "advisory" | "mandatory" | "expired" | "invalidated" | "forced";

/**
 * What a refreshing provider tells its `onEvent` listener. Events never carry secrets. (A service's
 * rejection of a key is told by `getCredentialRejectionPlugin`, as a `CredentialRejectionEvent`.)
 *
 * @example
 * ```ts
 * import type { RefreshEvent } from "aws-refresh-session";
 *
 * const toMetric = (event: RefreshEvent) => (event.type === "refresh-failure" ? { failed: 1, serving: event.serving } : {});
 * ```
 * @category Types
 * @since 0.1.0
 */
export type RefreshEvent =
  | { readonly type: "refresh-start"; readonly reason: RefreshReason }
  | {
      readonly type: "refresh-success";
      readonly reason: RefreshReason;
      /** The source's real expiration of the new credentials. */
      readonly expiration: Date | undefined;
      readonly durationMs: number;
      /** The advisory window chosen for them (from their lifetime, unless configured). */
      readonly advisoryWindowMs: number;
      /** When their background refresh is due. */
      readonly refreshAt: Date | undefined;
    }
  | {
      readonly type: "refresh-failure";
      readonly reason: RefreshReason;
      readonly error: CredentialRefreshError;
      /** Whether trying again later could succeed; a non-recoverable failure is reported at error level. */
      readonly recoverable: boolean;
      /**
       * `current`: the still-valid credentials keep being served; `expired`: the expired ones are
       * served (`serveExpired`); `none`: callers get the error.
       */
      readonly serving: "current" | "expired" | "none";
      /** Until when the current credentials are served, when `serving` is `current`. */
      readonly servingUntil?: Date;
      /** The source is left alone until then (the backoff); absent when there is no backoff. */
      readonly nextAttemptAt?: Date;
    }
  | {
      /** The cached credentials reached their real expiration without a replacement. */
      readonly type: "expired";
      readonly expiration: Date;
    }
  | {
      /** `invalidate()` matched the cached key: the next call takes the mandatory path. */
      readonly type: "invalidated";
      /** The last four characters of the rejected access key id. */
      readonly keyHint: string;
    };

/**
 * The last four characters of an access key id: enough to tell keys apart in logs, never a secret.
 *
 * @internal
 */
export const keyHint = (accessKeyId: string): string => accessKeyId.slice(-4);
