import type { AwsCredentialIdentity } from "@smithy/types";

/**
 * Credentials as the AWS SDK for JavaScript v3 uses them: `accessKeyId`, `secretAccessKey`, and for
 * temporary credentials `sessionToken` and `expiration`.
 *
 * @example
 * ```ts
 * import type { Credentials } from "aws-refresh-session";
 *
 * const credentials: Credentials = {
 *   accessKeyId: "ASIAEXAMPLE",
 *   secretAccessKey: "example-secret",
 *   sessionToken: "example-token",
 *   expiration: new Date(Date.now() + 3_600_000),
 * };
 * ```
 * @category Types
 * @since 0.1.0
 */
export type Credentials = AwsCredentialIdentity;

/**
 * What the SDK (or a caller) may pass to a credential provider.
 *
 * @example
 * ```ts
 * import type { ProviderOptions } from "aws-refresh-session";
 *
 * const options: ProviderOptions = { forceRefresh: true, signal: AbortSignal.timeout(5_000) };
 * ```
 * @category Types
 * @since 0.1.0
 */
export interface ProviderOptions {
  /** Skip any cache and fetch fresh credentials (still sharing one in-flight call). */
  readonly forceRefresh?: boolean | undefined;
  /** Stop waiting: the call rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
  /** Anything else the SDK passes along, such as `callerClientConfig`. */
  readonly [key: string]: unknown;
}

/**
 * A function that resolves to credentials. It is assignable to the SDK's
 * `AwsCredentialIdentityProvider`, so it can be given to any v3 client as `credentials`.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import type { CredentialProvider } from "aws-refresh-session";
 *
 * const fromEnvironment: CredentialProvider = async () => ({
 *   accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "",
 *   secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "",
 * });
 * const s3 = new S3Client({ region: "eu-west-1", credentials: fromEnvironment });
 * ```
 * @category Types
 * @since 0.1.0
 */
export type CredentialProvider = (options?: ProviderOptions) => Promise<Credentials>;

/**
 * A function from provider to provider: the shape of every combinator in this library, so that they
 * compose with fp-ts `pipe` and `flow`.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { memoizeUntil, retryWith, type ProviderTransform } from "aws-refresh-session";
 *
 * const cachedWithMargin: ProviderTransform = (provider) =>
 *   pipe(provider, retryWith(), memoizeUntil({ marginMs: 60_000 }));
 * ```
 * @category Types
 * @since 0.1.0
 */
export type ProviderTransform = (provider: CredentialProvider) => CredentialProvider;

const redacted = (credentials: Credentials): Record<string, unknown> => ({
  accessKeyId: credentials.accessKeyId,
  secretAccessKey: "[redacted]",
  ...(credentials.sessionToken === undefined ? {} : { sessionToken: "[redacted]" }),
  ...(credentials.expiration === undefined ? {} : { expiration: credentials.expiration }),
  ...(credentials.accountId === undefined ? {} : { accountId: credentials.accountId }),
});

/**
 * Returns a copy of the credentials whose `toJSON` and `util.inspect` redact the secret key and the
 * session token, so a stray `console.log(credentials)` or a structured logger cannot leak them. Field
 * access is unchanged, and the extra methods are non-enumerable, so spreads and the SDK's signers see a
 * plain credentials object. The object given is not changed: it is the caller's.
 *
 * @example
 * ```ts
 * import { redactSecrets } from "aws-refresh-session";
 *
 * const credentials = redactSecrets({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cr3t" });
 * JSON.stringify(credentials); // '{"accessKeyId":"AKIAEXAMPLE","secretAccessKey":"[redacted]"}'
 * credentials.secretAccessKey; // "s3cr3t"
 * ```
 * @category SDK integration
 * @since 0.1.0
 */
export const redactSecrets = <C extends Credentials>(credentials: C): C => {
  const copy = { ...credentials } as C & Record<PropertyKey, unknown>;
  const hidden = { enumerable: false, configurable: true, writable: true } as const;
  Object.defineProperty(copy, "toJSON", { ...hidden, value: () => redacted(copy) });
  Object.defineProperty(copy, Symbol.for("nodejs.util.inspect.custom"), {
    ...hidden,
    value: () => redacted(copy),
  });
  return copy;
};
