import * as t from "io-ts";
import { NonNegativeMillis } from "../errors/codecs";
import { redactSecrets, type ProviderTransform } from "../core/CredentialProvider";
import { decodeOptions } from "../errors/InvalidOptionsError";

/**
 * Makes credentials report an `expiration` `ms` earlier than their source said.
 *
 * Why: a credential that is valid when a request is signed must still be valid when AWS checks it,
 * after clock skew, queueing and retries. Caches downstream ({@link memoizeUntil}, the SDK's own) then
 * refresh that much earlier. Credentials without an expiration pass through unchanged.
 *
 * @param ms - how much earlier, in milliseconds; 0 or more, else an {@link InvalidOptionsError}.
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, memoizeUntil, withExpiryBuffer } from "aws-refresh-session";
 *
 * // Treat credentials as expired 5 minutes before STS's expiration.
 * const credentials = pipe(
 *   assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader", region: "eu-west-1" }),
 *   withExpiryBuffer(5 * 60_000),
 *   memoizeUntil(),
 * );
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export const withExpiryBuffer = (ms: number): ProviderTransform => {
  decodeOptions("withExpiryBuffer", t.type({ ms: NonNegativeMillis }), { ms });
  return (provider) => async (options) => {
    const credentials = await provider(options);
    if (credentials.expiration === undefined) return credentials;
    return redactSecrets({
      ...credentials,
      expiration: new Date(credentials.expiration.getTime() - ms),
    });
  };
};
