/**
 * A plain record of a thrown value we did not make, to keep as a `cause` instead of the value itself:
 * an SDK error holds the raw HTTP answer in hidden, non-configurable fields (`$response`,
 * `$responseBodyText`), and a cut-off STS answer can hold a secret key there. The record keeps what
 * helps a person or a program decide (name, code, message with keys and tokens hidden, `$metadata`,
 * `$fault`) and nothing else; the original is never mutated.
 *
 * @packageDocumentation
 */
import { hideKeysAndTokens } from "../core/secretText";

/**
 * What is kept of a third party's error.
 *
 * @example
 * ```ts
 * import { CredentialRefreshError, type ErrorRecord } from "aws-refresh-session";
 *
 * const why = (error: CredentialRefreshError): string | undefined => (error.cause as ErrorRecord | undefined)?.code;
 * ```
 * @category Errors
 * @since 0.2.0
 */
export interface ErrorRecord {
  /** The error's `name` (`AccessDenied`, `TimeoutError`, `Error`), or what was thrown when not an Error. */
  readonly name: string;
  /** Its `code` or `Code` (`ECONNRESET`, an STS wire code), when it had one. */
  readonly code?: string;
  /** Its message, keys and tokens hidden. */
  readonly message: string;
  /** The SDK's request metadata: HTTP status, request id, attempts. */
  readonly $metadata?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Whose fault, by the SDK's classification: `client` or `server`. */
  readonly $fault?: string;
  /** Its own cause, recorded the same way (a few levels deep at most). */
  readonly cause?: ErrorRecord;
}

/** How many causes deep a record goes: enough for an SDK error wrapping a socket error. */
const MAX_DEPTH = 3;
/** What the SDK appends to the message of an answer it could not parse. */
const SDK_RAW_RESPONSE_ADVICE =
  /\s*Deserialization error: to see the raw response, inspect the hidden field \S+ on this object\.?/;
/** The longest message kept: a page of HTML is no help in a log. */
const MAX_MESSAGE = 1_000;

const read = (value: object, key: string): unknown => {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
};

const text = (value: unknown): string | undefined =>
  typeof value === "string"
    ? hideKeysAndTokens(value.length > MAX_MESSAGE ? `${value.slice(0, MAX_MESSAGE - 3)}...` : value)
    : typeof value === "number"
      ? String(value)
      : undefined;

const metadataOf = (value: unknown): ErrorRecord["$metadata"] => {
  if (typeof value !== "object" || value === null) return undefined;
  const kept: Record<string, string | number | boolean | undefined> = {};
  for (const key of [
    "httpStatusCode",
    "requestId",
    "extendedRequestId",
    "cfId",
    "attempts",
    "totalRetryDelay",
  ]) {
    const field = read(value, key);
    if (typeof field === "number" || typeof field === "boolean") kept[key] = field;
    else if (typeof field === "string") kept[key] = hideKeysAndTokens(field);
  }
  return kept;
};

const describePrimitive = (value: unknown): string => {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "object":
      return value === null ? "null" : "object";
    default:
      return typeof value;
  }
};

/**
 * A plain, secret-free record of `error`, never the object itself.
 *
 * @internal
 */
export const recordError = (error: unknown, depth = 0): ErrorRecord => {
  if (typeof error !== "object" || error === null) {
    const message = typeof error === "string" ? text(error) : undefined;
    return {
      name: `thrown ${describePrimitive(error)}`,
      message: message ?? describePrimitive(error),
    };
  }
  const name = text(read(error, "name")) ?? "Error";
  const code = text(read(error, "code")) ?? text(read(error, "Code"));
  // The SDK's advice to look at a hidden field we do not keep would mislead whoever reads the record.
  const message = (text(read(error, "message")) ?? "").replace(SDK_RAW_RESPONSE_ADVICE, "");
  const $metadata = metadataOf(read(error, "$metadata"));
  const fault = read(error, "$fault");
  const cause = read(error, "cause");
  return {
    name,
    ...(code === undefined ? {} : { code }),
    message,
    ...($metadata === undefined ? {} : { $metadata }),
    ...(typeof fault === "string" ? { $fault: fault } : {}),
    ...(cause === undefined || depth + 1 >= MAX_DEPTH ? {} : { cause: recordError(cause, depth + 1) }),
  };
};
