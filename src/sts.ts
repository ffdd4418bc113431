/**
 * What every STS-based source shares: the client it calls, how a failure becomes a
 * {@link CredentialRefreshError}, and how a response becomes {@link Credentials}. Internal: the public
 * API is the sources built on it.
 *
 * @packageDocumentation
 */
import { STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { isLeft } from "fp-ts/Either";
import * as t from "io-ts";
import { NonEmptyString, ValidDate } from "./codecs";
import { CredentialRefreshError, describeError } from "./CredentialRefreshError";
import { redactSecrets, type Credentials } from "./CredentialProvider";
import { attemptsOf, isRetryableError } from "./isRetryableError";

/** The account is the fifth field of `arn:aws:sts::123456789012:assumed-role/Name/session`. */
const accountOf = (arn: string | undefined): string | undefined => {
  const account = arn?.split(":")[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
};

const AssumeRoleResponse = t.intersection([
  t.type({
    Credentials: t.type({
      AccessKeyId: NonEmptyString,
      SecretAccessKey: NonEmptyString,
      SessionToken: NonEmptyString,
      Expiration: ValidDate,
    }),
  }),
  t.partial({ AssumedRoleUser: t.partial({ Arn: t.string }) }),
]);

/**
 * Checks an STS response that should carry credentials and maps it to {@link Credentials}. A response
 * without credentials, or with an unparseable or past expiration, is a {@link CredentialRefreshError}
 * (retryable: it is the server's fault, and the next answer may be right). Paths, never values, are
 * named, so secrets cannot reach the message.
 *
 * @example
 * ```ts
 * import { credentialsFromStsResponse } from "./sts";
import { systemClock } from "./Clock";
 *
 * const credentials = credentialsFromStsResponse("AssumeRole", response, systemClock.now());
 * ```
 * @internal
 */
export const credentialsFromStsResponse = (action: string, response: unknown, now: number): Credentials => {
  const decoded = AssumeRoleResponse.decode(response);
  if (isLeft(decoded)) {
    const paths = new Set(
      decoded.left.map((error) =>
        error.context
          .map((entry) => entry.key)
          .filter((key) => key !== "" && !/^\d+$/.test(key))
          .join("."),
      ),
    );
    throw new CredentialRefreshError(
      `STS ${action} returned no usable credentials: invalid or missing ${[...paths].join(", ")}`,
      { retryable: true },
    );
  }
  const { Credentials: issued, AssumedRoleUser } = decoded.right;
  if (issued.Expiration.getTime() <= now) {
    throw new CredentialRefreshError(
      `STS ${action} returned credentials that expired at ${issued.Expiration.toISOString()}, ` +
        `not after now (${new Date(now).toISOString()}); check this machine's clock`,
      { retryable: true },
    );
  }
  const accountId = accountOf(AssumedRoleUser?.Arn);
  return redactSecrets({
    accessKeyId: issued.AccessKeyId,
    secretAccessKey: issued.SecretAccessKey,
    sessionToken: issued.SessionToken,
    expiration: issued.Expiration,
    ...(accountId === undefined ? {} : { accountId }),
  });
};

/**
 * Wraps a failed STS call in a {@link CredentialRefreshError} that says whether it is worth retrying
 * and how many attempts the STS client made. An abort is passed through untouched: the caller asked
 * for it.
 *
 * @example
 * ```ts
 * import { stsFailure } from "./sts";
 *
 * try {
 *   await stsClient.send(command);
 * } catch (error) {
 *   throw stsFailure("AssumeRole", "arn:aws:iam::123456789012:role/Reader", error);
 * }
 * ```
 * @internal
 */
export const stsFailure = (action: string, subject: string, error: unknown): unknown => {
  if (error instanceof CredentialRefreshError) return error;
  if ((error as { name?: unknown } | null)?.name === "AbortError") return error;
  return new CredentialRefreshError(`STS ${action} for ${subject} failed: ${describeError(error)}`, {
    retryable: isRetryableError(error),
    attempts: attemptsOf(error),
    cause: error,
  });
};

/**
 * Builds the STS client a provider uses: the one given, or one made from `clientConfig` that makes a
 * single attempt per call unless told otherwise, so that {@link retryWith} is the one place retries
 * happen.
 *
 * @example
 * ```ts
 * import { stsClientFor } from "./sts";
 *
 * const client = stsClientFor({ region: "eu-west-1" });
 * ```
 * @internal
 */
export const stsClientFor = (options: {
  readonly stsClient?: STSClient;
  readonly clientConfig?: STSClientConfig;
  readonly region?: string;
}): STSClient =>
  options.stsClient ??
  new STSClient({
    ...options.clientConfig,
    ...(options.region === undefined ? {} : { region: options.region }),
    maxAttempts: options.clientConfig?.maxAttempts ?? 1,
  });
