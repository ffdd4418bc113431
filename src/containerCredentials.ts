import { fromHttp, type FromHttpOptions } from "@aws-sdk/credential-provider-http";
import { CredentialRefreshError, describeError } from "./CredentialRefreshError";
import { redactSecrets, type CredentialProvider } from "./CredentialProvider";
import { InvalidOptionsError } from "./InvalidOptionsError";

/**
 * Options of {@link containerCredentials}: those of the SDK's `fromHttp`, all optional, read from the
 * standard environment variables when not given.
 *
 * @example
 * ```ts
 * import type { ContainerCredentialsOptions } from "aws-refresh-session";
 *
 * const options: ContainerCredentialsOptions = {
 *   awsContainerCredentialsFullUri: "http://169.254.170.23/v1/credentials",
 *   awsContainerAuthorizationTokenFile: "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token",
 * };
 * ```
 * @since 0.1.0
 */
export type ContainerCredentialsOptions = Pick<
  FromHttpOptions,
  | "awsContainerCredentialsFullUri"
  | "awsContainerCredentialsRelativeUri"
  | "awsContainerAuthorizationToken"
  | "awsContainerAuthorizationTokenFile"
  | "logger"
>;

/**
 * Credentials from the container credential endpoint of ECS tasks and EKS Pod Identity, through the
 * SDK's own `fromHttp` (`@aws-sdk/credential-provider-http`), which knows the environment variables
 * (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`, `AWS_CONTAINER_AUTHORIZATION_TOKEN` /
 * `_TOKEN_FILE`), which hosts may serve credentials, and the response format; rewriting those rules
 * would be a security risk. What this adds: one attempt per call (its own retries are turned off so
 * that {@link retryWith} is the one place retries happen, and counted), the token file read again at
 * each call, and failures as retryable {@link CredentialRefreshError}s, since an endpoint that fails is
 * usually an agent restarting. Give it to {@link refreshing} or `session({ source })`.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { containerCredentials, refreshing } from "aws-refresh-session";
 *
 * const s3 = new S3Client({ region: "eu-west-1", credentials: refreshing(containerCredentials()) });
 * ```
 * @since 0.1.0
 */
export const containerCredentials = (options: ContainerCredentialsOptions = {}): CredentialProvider => {
  // Built once now, so a missing or disallowed endpoint fails at construction, before any call.
  try {
    fromHttp({ ...options, maxRetries: 0 });
  } catch (error) {
    throw new InvalidOptionsError("containerCredentials", [
      { path: "awsContainerCredentialsFullUri", rule: describeError(error).replace(/\s+/g, " ") },
    ]);
  }
  return async () => {
    // A fresh provider per call: fromHttp closes its connection pool after each call.
    try {
      return redactSecrets(await fromHttp({ ...options, maxRetries: 0, timeout: 5_000 })());
    } catch (error) {
      throw new CredentialRefreshError(`the container credential endpoint failed: ${describeError(error)}`, {
        retryable: true,
        cause: error,
      });
    }
  };
};
