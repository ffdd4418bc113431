import { CredentialsProviderError } from "@smithy/property-provider";
import { brandFor, hasInstance, setBrand } from "../core/brand";
import { hideKeysAndTokens } from "../core/secretText";
import { recordError } from "./causeRecord";

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
 * @category Errors
 * @since 0.1.0
 */
export interface CredentialRefreshErrorOptions {
  /**
   * Whether trying again could succeed: the one classification of the failure, made where it happened
   * (see {@link isRetryableError}) and read by everything after it.
   */
  readonly retryable: boolean;
  /** How many calls were made upstream, the STS client's own retries included. */
  readonly attempts?: number | undefined;
  /**
   * The error that caused this one, usually the STS client's. Only a plain record of it is kept
   * ({@link ErrorRecord}: name, code, message with keys and tokens hidden, `$metadata`, `$fault`),
   * unless it is a `CredentialRefreshError` itself; the value given is never changed.
   */
  readonly cause?: unknown;
}

const CREDENTIAL_REFRESH_ERROR_BRAND = /* @__PURE__ */ brandFor("CredentialRefreshError");

/**
 * Fresh credentials could not be had.
 *
 * It extends the SDK's `CredentialsProviderError` with `tryNextLink: false`: a role that fails to
 * refresh must not silently fall through to other credentials in a provider chain. Branch on
 * `retryable` rather than on the message; `cause` holds a plain record of the upstream error
 * ({@link ErrorRecord}: an STS `AccessDenied`, a socket error, ...), never the SDK's object, whose
 * hidden fields can hold the raw HTTP answer. Nothing reachable from it holds a secret key or session
 * token: its message, and the message of its cause, have keys and tokens hidden.
 *
 * @example
 * ```ts
 * import { CredentialRefreshError, refreshingRole } from "aws-refresh-session";
 *
 * const credentials = refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" });
 * try {
 *   await credentials();
 * } catch (error) {
 *   if (error instanceof CredentialRefreshError && error.retryable) {
 *     // STS was unavailable: back off and try the job again later.
 *   }
 * }
 * ```
 * @category Errors
 * @since 0.1.0
 */
export class CredentialRefreshError extends CredentialsProviderError {
  /** By brand, so that it holds for errors made by another copy of this library in the process. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasInstance(this, CredentialRefreshError, CREDENTIAL_REFRESH_ERROR_BRAND, value);
  }

  override name = "CredentialRefreshError";
  /** Whether trying again later could succeed. */
  readonly retryable: boolean;
  /** How many upstream calls were made before giving up. */
  readonly attempts: number;

  constructor(message: string, options: CredentialRefreshErrorOptions) {
    // Built from what others said (a custom source's error, an STS message): no key or token repeated.
    super(hideKeysAndTokens(message), { tryNextLink: false });
    // The SDK's base classes reset the prototype to their own; restore ours so `instanceof` works.
    Object.setPrototypeOf(this, new.target.prototype);
    setBrand(this, CREDENTIAL_REFRESH_ERROR_BRAND);
    this.retryable = options.retryable;
    this.attempts = options.attempts ?? 1;
    if (options.cause !== undefined) {
      Object.defineProperty(this, "cause", {
        // Ours are secret-free already; anything else is kept as a record, never held itself.
        value: options.cause instanceof CredentialRefreshError ? options.cause : recordError(options.cause),
        enumerable: false,
        writable: true,
        configurable: true,
      });
    }
  }
}

/** A field of a thrown value, shortened: enough to recognise it, never a page of text. */
const short = (text: string, max = 200): string =>
  text.length > max ? `${text.slice(0, max - 3)}...` : text;

const stringField = (value: object, key: string): string | undefined => {
  const field = (value as Record<string, unknown>)[key];
  return typeof field === "string" && field.length > 0 ? short(field) : undefined;
};

const describeObject = (value: object): string => {
  const prototype: unknown = Object.getPrototypeOf(value);
  const className = (value as { constructor?: { name?: unknown } }).constructor?.name;
  const kind =
    prototype === Object.prototype || prototype === null || typeof className !== "string" || className === ""
      ? "an object"
      : `an object of class ${short(className, 40)}`;
  const name = stringField(value, "name");
  const code =
    stringField(value, "code") ??
    (typeof (value as { code?: unknown }).code === "number"
      ? String((value as { code: number }).code)
      : undefined);
  const message = stringField(value, "message");
  const parts = [
    ...(name === undefined ? [] : [`name ${JSON.stringify(name)}`]),
    ...(code === undefined ? [] : [`code ${JSON.stringify(code)}`]),
    ...(message === undefined ? [] : [`message ${JSON.stringify(message)}`]),
  ];
  return parts.length === 0
    ? `${kind} with no name, code or message (not an Error)`
    : `${kind} with ${parts.join(", ")} (not an Error)`;
};

/**
 * A short, secret-free description of any thrown value, for use inside our own messages. An `Error`
 * reads `name: message`; anything else that was thrown is described for what it is (`undefined`, the
 * number 5, an object with its `name`, `code` and `message`), since "[object Object]" helps nobody.
 *
 * @since 0.1.0
 * @internal
 */
export const describeError = (error: unknown): string => {
  try {
    if (error instanceof Error) {
      const name = typeof error.name === "string" && error.name !== "" ? error.name : "Error";
      const message = typeof error.message === "string" ? error.message : "";
      return message !== "" && message !== name ? `${name}: ${message}` : name;
    }
    switch (typeof error) {
      case "string":
        return error.trim() === ""
          ? "an empty string (not an Error)"
          : `the string ${JSON.stringify(short(error))} (not an Error)`;
      case "undefined":
        return "undefined (not an Error)";
      case "number":
      case "boolean":
        return `the ${typeof error} ${String(error)} (not an Error)`;
      case "bigint":
        return `the bigint ${String(error)}n (not an Error)`;
      case "symbol":
        return `the symbol ${short(error.toString(), 80)} (not an Error)`;
      case "function":
        return "a function (not an Error)";
      default:
        return error === null || error === undefined ? "null (not an Error)" : describeObject(error);
    }
  } catch {
    // A proxy or a getter that throws: what it is, without looking further.
    return "a value that could not be described (not an Error)";
  }
};
