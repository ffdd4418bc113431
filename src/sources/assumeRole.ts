import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { systemClock } from "../core/Clock";
import type { CredentialProvider } from "../core/CredentialProvider";
import { decodeOptionsAs } from "../errors/InvalidOptionsError";
import { stsClientFor, stsCredentialSource } from "./sts";
import { mfaCode } from "./mfaCode";
import {
  assumeRoleCrossFieldIssues,
  AssumeRoleOptionsCodec,
  defaultSessionName,
  type AssumeRoleOptions,
} from "./roleOptions";

/**
 * A provider that makes one STS `AssumeRole` call each time it is called: no caching, no retries.
 * Compose it with {@link retryWith} and {@link memoizeUntil} (its `marginMs`), or use
 * {@link refreshingRole}, which does exactly that.
 *
 * Options are checked when the provider is built: bad ones throw an {@link InvalidOptionsError}
 * before any network call. Each response is checked too; a response without credentials, or with an
 * expiration that is unparseable or already past, is a {@link CredentialRefreshError}.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, memoizeUntil, retryWith } from "aws-refresh-session";
 *
 * const credentials = pipe(
 *   assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader", region: "eu-west-1" }),
 *   retryWith(),
 *   memoizeUntil(),
 * );
 * ```
 * @category Sources
 * @since 0.1.0
 */
export const assumeRole = (options: AssumeRoleOptions): CredentialProvider => {
  // Options a policy checked (refreshingRole's, a profile's role) are not checked again.
  const decoded = decodeOptionsAs<AssumeRoleOptions>()(
    "assumeRole",
    AssumeRoleOptionsCodec,
    options,
    assumeRoleCrossFieldIssues,
  );
  const clock = decoded.clock ?? systemClock;
  const client = stsClientFor(
    decoded.credentials === undefined
      ? decoded
      : { ...decoded, clientConfig: { ...decoded.clientConfig, credentials: decoded.credentials } },
  );
  const { mfa } = decoded;
  const input = {
    RoleArn: decoded.roleArn,
    RoleSessionName: decoded.roleSessionName ?? defaultSessionName(clock),
    DurationSeconds: decoded.durationSeconds,
    ExternalId: decoded.externalId,
    Policy: decoded.policy,
    PolicyArns: decoded.policyArns?.map((arn) => ({ arn })),
    Tags: decoded.tags?.map(({ key, value }) => ({ Key: key, Value: value })),
    TransitiveTagKeys: decoded.transitiveTagKeys === undefined ? undefined : [...decoded.transitiveTagKeys],
    SourceIdentity: decoded.sourceIdentity,
  };

  // The caller's credentials: when they are one of our refreshing providers (role chaining), a key
  // STS rejects is invalidated there and the call made once more.
  const caller =
    decoded.credentials ?? (decoded.clientConfig as { credentials?: unknown } | undefined)?.credentials;
  return stsCredentialSource(
    "AssumeRole",
    decoded.roleArn,
    client,
    clock,
    async (signal) => {
      const mfaInput =
        mfa === undefined
          ? {}
          : { SerialNumber: mfa.serialNumber, TokenCode: await mfaCode(mfa, signal, clock) };
      return new AssumeRoleCommand({ ...input, ...mfaInput });
    },
    caller,
  );
};
