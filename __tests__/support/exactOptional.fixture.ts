// Compiled by types.test.ts under `exactOptionalPropertyTypes`: options read from the environment
// (`string | undefined`) must be accepted wherever the runtime accepts `undefined`. Never run.
import {
  assumeRole,
  assumeRoleWithWebIdentity,
  backoffPolicy,
  containerCredentials,
  CredentialRefreshError,
  iotCredentials,
  session,
  whoami,
  withTimeout,
} from "../../src";
import { localSts } from "../../src/testing";

export const optionsFromTheEnvironment = (env: Record<string, string | undefined>): unknown[] => {
  const roleArn = "arn:aws:iam::123456789012:role/Reader";
  return [
    assumeRole({
      roleArn,
      region: env.AWS_REGION,
      roleSessionName: env.ROLE_SESSION_NAME,
      externalId: env.EXTERNAL_ID,
      policy: env.POLICY,
      sourceIdentity: env.SOURCE_IDENTITY,
      stsClient: undefined,
      clientConfig: undefined,
      credentials: undefined,
      mfa: undefined,
      tags: undefined,
    }),
    assumeRoleWithWebIdentity({
      roleArn,
      webIdentityToken: "token",
      webIdentityTokenFile: undefined,
      region: env.AWS_REGION,
      durationSeconds: undefined,
      providerId: env.PROVIDER_ID,
    }),
    session({ roleArn, region: env.AWS_REGION }),
    backoffPolicy({ retries: undefined, baseDelayMs: undefined, maxDelayMs: undefined, random: undefined }),
    withTimeout(5_000, { clock: undefined, name: env.SOURCE_NAME }),
    containerCredentials({
      awsContainerCredentialsFullUri: env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
      awsContainerAuthorizationToken: env.AWS_CONTAINER_AUTHORIZATION_TOKEN,
      logger: undefined,
    }),
    localSts({ clock: undefined, port: undefined, credentialLifetimeMs: undefined, accountId: env.ACCOUNT }),
    new CredentialRefreshError("x", { retryable: true, attempts: undefined }),
    iotCredentials({
      endpoint: env.IOT_ENDPOINT ?? "",
      roleAlias: "alias",
      thingName: env.THING_NAME,
      certificate: "/cert.pem",
      privateKey: "/key.pem",
      ca: env.IOT_CA,
      durationSeconds: undefined,
      timeoutMs: undefined,
      clock: undefined,
    }),
    whoami(() => Promise.resolve({ accessKeyId: "a", secretAccessKey: "s" }), {
      region: env.AWS_REGION,
      clientConfig: undefined,
    }),
    assumeRole({
      roleArn,
      mfa: {
        serialNumber: "arn:aws:iam::123456789012:mfa/a",
        tokenCode: ["ykman"],
        commandTimeoutMs: undefined,
      },
    }),
  ];
};
