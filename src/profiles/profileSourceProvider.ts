/**
 * The provider of a profile's first credentials (before any role is assumed): static keys, a named
 * `credential_source`, `credential_process`, IAM Identity Center, or a web identity. The SDK's own
 * providers serve the ones the SDK already knows (process, SSO, instance metadata), loaded at their
 * first call, so a program pays for them only when its profile uses them.
 *
 * @packageDocumentation
 */
import type * as ProcessProvider from "@aws-sdk/credential-provider-process";
import type * as SsoProvider from "@aws-sdk/credential-provider-sso";
import type * as Imds from "@smithy/credential-provider-imds";
import type { Clock } from "../core/Clock";
import { redactSecrets, type CredentialProvider } from "../core/CredentialProvider";
import { nameSource } from "../core/sourceName";
import { CredentialRefreshError } from "../errors/CredentialRefreshError";
import { assumeRoleWithWebIdentity } from "../sources/assumeRoleWithWebIdentity";
import { containerCredentials } from "../sources/containerCredentials";
import type { ConfigFilePaths } from "./loadConfigFiles";
import type { ProfileSource } from "./resolveProfile";

/** What the SDK's profile-reading providers are told: the same files, read again at each call. */
const fileOptions = (profile: string, paths: ConfigFilePaths) => ({
  profile,
  configFilepath: paths.configFile,
  filepath: paths.credentialsFile,
  ignoreCache: true,
});

/** `credential_source = Environment`: botocore's environment provider, read at each call. */
const fromEnvironment =
  (profile: string): CredentialProvider =>
  () =>
    Promise.resolve().then(() => {
      const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION } =
        process.env;
      if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) {
        throw new CredentialRefreshError(
          `profile ${profile} has credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set`,
          { retryable: false },
        );
      }
      const expiration = AWS_CREDENTIAL_EXPIRATION ? new Date(AWS_CREDENTIAL_EXPIRATION) : undefined;
      return redactSecrets({
        accessKeyId: AWS_ACCESS_KEY_ID,
        secretAccessKey: AWS_SECRET_ACCESS_KEY,
        ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
        ...(expiration !== undefined && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
      });
    });

/**
 * The provider of `source`: each call asks the source again (the refreshing layer above decides when).
 *
 * @internal
 */
export const profileSourceProvider = (
  source: ProfileSource,
  context: {
    readonly paths: ConfigFilePaths;
    readonly clock: Clock;
    readonly region: string | undefined;
    readonly endpoint: string | undefined;
  },
): CredentialProvider => {
  const { profile } = source;
  switch (source.kind) {
    case "static": {
      const { credentials } = source;
      return nameSource(
        () => Promise.resolve(redactSecrets({ ...credentials })),
        `the static keys of profile ${profile}`,
      );
    }
    case "credentialSource":
      switch (source.name) {
        case "Environment":
          return nameSource(
            fromEnvironment(profile),
            `the environment (credential_source of profile ${profile})`,
          );
        case "EcsContainer":
          return containerCredentials();
        case "Ec2InstanceMetadata":
          return nameSource(async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded at its first use.
            const { fromInstanceMetadata } = require("@smithy/credential-provider-imds") as typeof Imds;
            return redactSecrets(await fromInstanceMetadata()());
          }, `instance metadata (credential_source of profile ${profile})`);
      }
    // eslint-disable-next-line no-fallthrough -- every credential source returns above.
    case "process":
      return nameSource(async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded at its first use.
        const { fromProcess } = require("@aws-sdk/credential-provider-process") as typeof ProcessProvider;
        return redactSecrets(await fromProcess(fileOptions(profile, context.paths))());
      }, `credential_process of profile ${profile}`);
    case "sso":
      return nameSource(async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded at its first use.
        const { fromSSO } = require("@aws-sdk/credential-provider-sso") as typeof SsoProvider;
        return redactSecrets(await fromSSO(fileOptions(profile, context.paths))());
      }, `IAM Identity Center (profile ${profile})`);
    case "webIdentity":
      return assumeRoleWithWebIdentity({
        roleArn: source.roleArn,
        webIdentityTokenFile: source.tokenFile,
        roleSessionName: source.roleSessionName,
        clock: context.clock,
        ...(context.region === undefined ? {} : { region: context.region }),
        ...(context.endpoint === undefined ? {} : { clientConfig: { endpoint: context.endpoint } }),
      });
  }
};
