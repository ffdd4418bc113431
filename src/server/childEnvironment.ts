import { devNull } from "node:os";

/**
 * The environment variables through which the AWS SDKs' default credential chains (botocore and the
 * AWS CLI, the JavaScript, Go and Java SDKs) would find credentials before the container credentials,
 * or would send the container request elsewhere. A child given the endpoint must find none of them.
 *
 * - Keys in the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, the
 *   older `AWS_SECURITY_TOKEN` (botocore, Go), `AWS_ACCESS_KEY` and `AWS_SECRET_KEY` (the Go SDKs'
 *   alternative names), `AWS_CREDENTIAL_EXPIRATION` (botocore's companion of the keys).
 * - A profile: `AWS_PROFILE`, `AWS_DEFAULT_PROFILE` (a named profile may hold keys, a role,
 *   `credential_process` or SSO; botocore also drops the environment keys when a profile is named).
 * - A web identity: `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME` (every
 *   chain tries it before the container).
 * - Another container endpoint: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` wins over `..._FULL_URI` in
 *   botocore and the JavaScript SDK, and `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` wins over the token.
 * - Older files: `AWS_CREDENTIAL_FILE` (botocore's EC2 credentials file), `AWS_SDK_LOAD_CONFIG` (Go
 *   v1 reading the config file).
 *
 * @internal
 */
export const CLEARED_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_ACCESS_KEY",
  "AWS_SECRET_KEY",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_CREDENTIAL_FILE",
  "AWS_SDK_LOAD_CONFIG",
] as const;

/**
 * The shared files (and boto's) point at the null device, which every SDK reads as an empty file:
 * `~/.aws/credentials` and `~/.aws/config` hold keys, roles, `credential_process` and SSO sessions
 * (in `[default]` too) that every chain tries before the container; botocore also reads keys from
 * `~/.boto` and `/etc/boto.cfg` unless `BOTO_CONFIG` names another file. Nothing is written to disk.
 *
 * @internal
 */
export const EMPTIED_FILES = ["AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "BOTO_CONFIG"] as const;

/**
 * The environment of a child that must take its credentials from the endpoint at `url`: `base` without
 * what the SDKs would pick first, with the endpoint, its token, and the region (`AWS_REGION` for most
 * SDKs, `AWS_DEFAULT_REGION` for botocore) when one is known. `base` is not changed.
 *
 * @internal
 */
export const childEnvironment = (
  base: Readonly<Record<string, string | undefined>>,
  endpoint: { readonly url: string; readonly token: string },
  region: string | undefined,
): Record<string, string> => {
  const cleared = new Set<string>(CLEARED_VARIABLES);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !cleared.has(name)) env[name] = value;
  }
  for (const name of EMPTIED_FILES) env[name] = devNull;
  env.AWS_CONTAINER_CREDENTIALS_FULL_URI = endpoint.url;
  env.AWS_CONTAINER_AUTHORIZATION_TOKEN = endpoint.token;
  if (region !== undefined) {
    env.AWS_REGION = region;
    env.AWS_DEFAULT_REGION = region;
  }
  return env;
};
