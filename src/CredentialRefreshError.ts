import { CredentialsProviderError } from "@smithy/property-provider";

/**
 * What a {@link CredentialRefreshError} knows beyond its message.
 *
 * @example
 * ```ts
 * import { CredentialRefreshError, type CredentialRefreshErrorOptions } from "aws-refresh-session";
 *
 * const details: CredentialRefreshErrorOptions = { retryable: true, attempts: 3 };
 * throw new CredentialRefreshError("STS is throttling", details);
 * ```
 * @since 0.1.0
 */
export interface CredentialRefreshErrorOptions {
  /** Whether trying again later could succeed (throttling, 5xx, network), as opposed to a denial. */
  readonly retryable: boolean;
  /** How many calls were made upstream, the STS client's own retries included. */
  readonly attempts?: number;
  /** The error that caused this one, usually the STS client's. */
  readonly cause?: unknown;
}

/**
 * Fresh credentials could not be had.
 *
 * It extends the SDK's `CredentialsProviderError` with `tryNextLink: false`: a role that fails to
 * refresh must not silently fall through to other credentials in a provider chain. Branch on
 * `retryable` rather than on the message; `cause` holds the upstream error (an STS `AccessDenied`,
 * a socket error, ...). Messages never contain secret keys or session tokens.
 *
 * @example
 * ```ts
 * import { CredentialRefreshError } from "aws-refresh-session";
 *
 * try {
 *   await provider();
 * } catch (error) {
 *   if (error instanceof CredentialRefreshError && error.retryable) {
 *     // STS was unavailable: back off and try the job again later.
 *   }
 * }
 * ```
 * @since 0.1.0
 */
export class CredentialRefreshError extends CredentialsProviderError {
  override name = "CredentialRefreshError";
  /** Whether trying again later could succeed. */
  readonly retryable: boolean;
  /** How many upstream calls were made before giving up. */
  readonly attempts: number;

  constructor(message: string, options: CredentialRefreshErrorOptions) {
    super(message, { tryNextLink: false });
    // The SDK's base classes reset the prototype to their own; restore ours so `instanceof` works.
    Object.setPrototypeOf(this, new.target.prototype);
    this.retryable = options.retryable;
    this.attempts = options.attempts ?? 1;
    if (options.cause !== undefined) {
      Object.defineProperty(this, "cause", {
        value: options.cause,
        enumerable: false,
        writable: true,
        configurable: true,
      });
    }
  }
}

/**
 * A short, secret-free description of any thrown value, for use inside our own messages.
 *
 * @example
 * ```ts
 * import { describeError } from "aws-refresh-session";
 *
 * describeError(Object.assign(new Error("Rate exceeded"), { name: "Throttling" })); // "Throttling: Rate exceeded"
 * ```
 * @since 0.1.0
 */
export const describeError = (error: unknown): string => {
  if (error instanceof Error) {
    return error.message && error.message !== error.name ? `${error.name}: ${error.message}` : error.name;
  }
  return typeof error === "string" ? error : Object.prototype.toString.call(error);
};
