/**
 * How the local STS mints a session: the checks STS makes on an `AssumeRole*` request, and the keys,
 * token and expiration it hands back.
 *
 * @packageDocumentation
 */
import { randomBytes } from "node:crypto";
import { redactSecrets } from "../core/CredentialProvider";
import type { IssuedCredentials, StsAction } from "./localSts";
import { StsError } from "./StsError";

const randomKey = (prefix: string): string =>
  prefix +
  Array.from(randomBytes(16), (byte) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".charAt(byte % 32)).join("");

/**
 * When {@link issueCredentials} mints, and for how long.
 *
 * @internal
 */
export interface IssueTerms {
  /** Epoch milliseconds, by the server's clock. */
  readonly now: number;
  /** Overrides the request's `DurationSeconds`, which is still validated. */
  readonly lifetimeMs?: number | undefined;
  /** Mint credentials that expired a second ago (the `expired` fault). */
  readonly expired?: boolean | undefined;
}

/**
 * New credentials for an `AssumeRole` or `AssumeRoleWithWebIdentity` request's parameters, with
 * secrets hidden from `inspect` and JSON; throws the `ValidationError` STS answers for a bad role ARN,
 * session name or duration.
 *
 * @internal
 */
export const issueCredentials = (
  action: StsAction,
  params: Readonly<Record<string, string>>,
  terms: IssueTerms,
): IssuedCredentials => {
  const roleArn = params.RoleArn ?? "";
  const roleSessionName = params.RoleSessionName ?? "";
  const roleMatch = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(roleArn);
  if (!roleMatch) throw new StsError(400, "ValidationError", `${roleArn} is invalid`);
  if (!/^[\w+=,.@-]{2,64}$/.test(roleSessionName)) {
    throw new StsError(
      400,
      "ValidationError",
      "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint",
    );
  }
  const durationSeconds = params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds);
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43_200) {
    throw new StsError(400, "ValidationError", "The requested DurationSeconds exceeds the allowed range");
  }
  const { now } = terms;
  const lifetimeMs = terms.lifetimeMs ?? durationSeconds * 1000;
  return redactSecrets<IssuedCredentials>({
    accessKeyId: randomKey("ASIA"),
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: `IQoJ${randomBytes(96).toString("base64")}`,
    expiration: new Date(terms.expired === true ? now - 1000 : now + lifetimeMs),
    ...(roleMatch[1] === undefined ? {} : { accountId: roleMatch[1] }),
    action,
    arn: `arn:aws:sts::${roleMatch[1]}:assumed-role/${roleMatch[2]}/${roleSessionName}`,
    roleArn,
    roleSessionName,
    issuedAt: new Date(now),
  });
};
