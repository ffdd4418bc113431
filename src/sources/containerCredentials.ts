import { fromHttp, type FromHttpOptions } from "@aws-sdk/credential-provider-http";
import { LoggerCodec, NonEmptyString, strictOptions } from "../errors/codecs";
import { describeError } from "../errors/CredentialRefreshError";
import { asCredentialRefreshError } from "../errors/isRetryableError";
import { redactSecrets, type CredentialProvider } from "../core/CredentialProvider";
import { decodeOptionsAs, InvalidOptionsError, type OptionIssue } from "../errors/InvalidOptionsError";
import { nameSource } from "../core/sourceName";

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
 * @category Sources
 * @since 0.1.0
 */
export type ContainerCredentialsOptions = {
  readonly [
    K in
      | "awsContainerCredentialsFullUri"
      | "awsContainerCredentialsRelativeUri"
      | "awsContainerAuthorizationToken"
      | "awsContainerAuthorizationTokenFile"
      | "logger"
  ]?: FromHttpOptions[K] | undefined;
};

const ContainerCredentialsOptionsCodec = /* @__PURE__ */ strictOptions(
  "ContainerCredentialsOptions",
  {},
  {
    awsContainerCredentialsFullUri: NonEmptyString,
    awsContainerCredentialsRelativeUri: NonEmptyString,
    awsContainerAuthorizationToken: NonEmptyString,
    awsContainerAuthorizationTokenFile: NonEmptyString,
    logger: LoggerCodec,
  },
);

const FULL_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
const RELATIVE_URI = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";

/** Where the endpoint comes from, in the caller's words: the option given, or the environment variable. */
const endpointSource = (
  options: ContainerCredentialsOptions,
  env: NodeJS.ProcessEnv,
): { path: string; uri: string | undefined } => {
  if (options.awsContainerCredentialsFullUri !== undefined) {
    return { path: "awsContainerCredentialsFullUri", uri: options.awsContainerCredentialsFullUri };
  }
  if (options.awsContainerCredentialsRelativeUri !== undefined) {
    return { path: "awsContainerCredentialsRelativeUri", uri: undefined };
  }
  if (env[FULL_URI]) return { path: FULL_URI, uri: env[FULL_URI] };
  return { path: RELATIVE_URI, uri: undefined };
};

/** The host of the endpoint, for messages: never its path or query, which may carry an identifier. */
const hostOf = (uri: string | undefined): string => {
  if (uri === undefined) return "169.254.170.2";
  try {
    return new URL(uri).host;
  } catch {
    return "an unparseable address";
  }
};

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
 * Options are checked now: with neither an endpoint option nor `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`
 * / `_FULL_URI` set, or with an endpoint the SDK does not allow, it throws an
 * {@link InvalidOptionsError} that names the environment variables.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { containerCredentials, refreshing } from "aws-refresh-session";
 *
 * const s3 = new S3Client({ region: "eu-west-1", credentials: refreshing(containerCredentials()) });
 * ```
 * @category Sources
 * @since 0.1.0
 */
export const containerCredentials = (options: ContainerCredentialsOptions = {}): CredentialProvider => {
  const decoded = decodeOptionsAs<ContainerCredentialsOptions>()(
    "containerCredentials",
    ContainerCredentialsOptionsCodec,
    options,
  );
  // undefined fields are left out: fromHttp reads the environment only for fields that are absent.
  const given = Object.fromEntries(
    Object.entries(decoded).filter(([, value]: [string, unknown]) => value !== undefined),
  ) as FromHttpOptions;
  const env = process.env;
  if (
    given.awsContainerCredentialsFullUri === undefined &&
    given.awsContainerCredentialsRelativeUri === undefined &&
    !env[FULL_URI] &&
    !env[RELATIVE_URI]
  ) {
    throw new InvalidOptionsError("containerCredentials", [
      {
        path: `${RELATIVE_URI} or ${FULL_URI}`,
        rule: `neither environment variable is set, nor the awsContainerCredentialsRelativeUri or awsContainerCredentialsFullUri option: this does not look like an ECS task or an EKS pod with Pod Identity`,
      },
    ]);
  }
  const source = endpointSource(given, env);
  // Built once now, so a disallowed endpoint fails at construction, before any call.
  try {
    fromHttp({ ...given, maxRetries: 0 });
  } catch (error) {
    const issue: OptionIssue = { path: source.path, rule: describeError(error).replace(/\s+/g, " ") };
    throw new InvalidOptionsError("containerCredentials", [issue]);
  }
  const name = `the container credential endpoint at ${hostOf(source.uri)}`;
  return nameSource(async () => {
    // A fresh provider per call: fromHttp closes its connection pool after each call.
    try {
      return redactSecrets(await fromHttp({ ...given, maxRetries: 0, timeout: 5_000 })());
    } catch (error) {
      // Classified by the one rule: an endpoint that fails is usually restarting or overloaded.
      throw asCredentialRefreshError(error, { context: name });
    }
  }, name);
};
