import { withFeatures } from "../telemetry/credentialFeatures";
import { isLeft } from "../core/isLeft";
import { CredentialsCodec } from "../core/credentialShape";
import { failedFields, functionCodec, NonEmptyString, strictOptions } from "../errors/codecs";
import { CredentialRefreshError } from "../errors/CredentialRefreshError";
import { redactSecrets, type CredentialProvider, type Credentials } from "../core/CredentialProvider";
import { decodeOptions, decodeOptionsAs } from "../errors/InvalidOptionsError";
import { nameSource } from "../core/sourceName";
import { asCredentialRefreshError } from "../errors/isRetryableError";

// The codec is the shape rule's (core/credentialShape), exported from here as it always was.
export { CredentialsCodec };

const FromFunctionOptionsCodec = /* @__PURE__ */ strictOptions(
  "FromFunctionOptions",
  {},
  { name: NonEmptyString },
);

/**
 * Turns any function that fetches temporary credentials — from a vault, an internal broker, another
 * cloud's federation — into a provider whose every result is checked: a result without keys or with
 * an invalid `expiration` is a {@link CredentialRefreshError} naming the bad fields (never their
 * values), not credentials. Like boto3-refresh-session's custom method; give it to {@link refreshing}
 * or `session({ source })` for the refresh policy.
 *
 * @example
 * ```ts
 * import { fromFunction, refreshing } from "aws-refresh-session";
 *
 * const credentials = refreshing(
 *   fromFunction(async () => {
 *     const response = await fetch("https://broker.internal/credentials");
 *     const body = (await response.json()) as { key: string; secret: string; token: string; expires: string };
 *     return { accessKeyId: body.key, secretAccessKey: body.secret, sessionToken: body.token, expiration: body.expires };
 *   }),
 * );
 * ```
 * @category Sources
 * @since 0.1.0
 */
export const fromFunction = (
  fetchCredentials: () => unknown,
  options: { readonly name?: string | undefined } = {},
): CredentialProvider => {
  decodeOptions(
    "fromFunction",
    functionCodec("a function () => credentials | Promise<credentials>"),
    fetchCredentials,
  );
  decodeOptionsAs<{ readonly name?: string | undefined }>()(
    "fromFunction",
    FromFunctionOptionsCodec,
    options,
  );
  const name = options.name ?? "the custom credential source";
  // Named, so that a timeout around it says which source did not answer.
  return nameSource(async () => {
    let result: unknown;
    try {
      result = await fetchCredentials();
    } catch (error) {
      // Classified by the same rule as every source: an SDK-style AccessDenied is not worth retrying.
      throw asCredentialRefreshError(error, { context: name });
    }
    const decoded = CredentialsCodec.decode(result);
    if (isLeft(decoded)) {
      // Retryable, as a garbled answer from STS is: the source's next answer may be whole.
      throw new CredentialRefreshError(
        `${name} returned no usable credentials: invalid or missing ${failedFields(decoded.left, "(result)").join(", ")}`,
        { retryable: true },
      );
    }
    const { accountId, sessionToken, ...required } = decoded.right;
    const credentials: Credentials = {
      ...required,
      ...(sessionToken === undefined ? {} : { sessionToken }),
      ...(accountId === undefined ? {} : { accountId }),
    };
    return redactSecrets(withFeatures(credentials, ["CREDENTIALS_CODE", "e"]));
  }, name);
};
