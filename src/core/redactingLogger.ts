import type { Logger } from "@smithy/types";
import { hideKeysAndTokens } from "./secretText";

/** Fields of STS's requests and answers that hold a secret, whatever the SDK's own filter masks. */
const SECRET_FIELDS = new Set([
  "SecretAccessKey",
  "SessionToken",
  "Token",
  "WebIdentityToken",
  "TokenCode",
  "secretAccessKey",
  "sessionToken",
]);

/** Deep enough for the SDK's log entries ({ output: { Credentials: { SessionToken } } }). */
const MAX_DEPTH = 6;

const redact = (value: unknown, depth: number): unknown => {
  if (typeof value === "string") return hideKeysAndTokens(value);
  if (typeof value !== "object" || value === null || value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return "[...]";
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  // An error's name and message are its own but not enumerable; its hidden fields (the SDK's
  // $response, $responseBodyText) are left behind.
  const own =
    value instanceof Error
      ? { name: value.name, message: value.message, ...(value as unknown as Record<string, unknown>) }
      : value;
  return Object.fromEntries(
    Object.entries(own).map(([key, item]) => [
      key,
      SECRET_FIELDS.has(key) && item !== undefined ? "[hidden]" : redact(item, depth + 1),
    ]),
  );
};

/**
 * A logger that passes on what it is given with secrets hidden, for the STS clients this library
 * builds. The SDK logs each command's output through the client's logger and masks only what STS's
 * model marks sensitive: an `AssumeRole` answer's `SessionToken` would reach the logger whole. Copies
 * are made, so nothing the SDK holds is changed.
 *
 * @internal
 */
export const redactingLogger = (logger: Logger): Logger => {
  const level =
    (name: keyof Logger) =>
    (...content: unknown[]): void => {
      const method = logger[name] as ((...args: unknown[]) => void) | undefined;
      method?.apply(
        logger,
        content.map((item) => redact(item, 0)),
      );
    };
  return {
    trace: level("trace"),
    debug: level("debug"),
    info: level("info"),
    warn: level("warn"),
    error: level("error"),
  };
};
