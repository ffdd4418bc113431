/**
 * How the IoT source tells a failure: every message names the endpoint and the role alias, and keeps
 * of the underlying error only a plain record with anything key-shaped hidden, since a TLS or file
 * error may quote the private key. Shared by the request, the answer and the source that ties them.
 *
 * @packageDocumentation
 */
import { hideKeysAndTokens } from "../core/secretText";
import { CredentialRefreshError } from "../errors/CredentialRefreshError";

/**
 * Makes the error for `problem`, a phrase that follows the provider's name ("did not accept the
 * certificate ..."), keeping `cause` as a plain record.
 *
 * @internal
 */
export type IotFailure = (problem: string, retryable: boolean, cause?: unknown) => CredentialRefreshError;

/** A plain record of a Node.js error: name, code and message with anything key-shaped hidden. */
const recordOf = (error: unknown): Error => {
  const { name, code, message } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  const record = new Error(typeof message === "string" ? hideKeysAndTokens(message).slice(0, 300) : "");
  record.name = typeof name === "string" ? name : "Error";
  if (typeof code === "string") Object.assign(record, { code });
  return record;
};

/**
 * The {@link IotFailure} of the provider called `name`
 * ("the IoT credentials provider at `<address>` (role alias `<alias>`)").
 *
 * @internal
 */
export const iotFailure =
  (name: string): IotFailure =>
  (problem, retryable, cause) =>
    new CredentialRefreshError(`${name} ${problem}`, {
      retryable,
      ...(cause === undefined ? {} : { cause: recordOf(cause) }),
    });

/**
 * A Node.js error's `code` (`ENOENT`, `ECONNRESET`, `ERR_SSL_...`), what the messages cite of it.
 *
 * @internal
 */
export const errorCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
};
