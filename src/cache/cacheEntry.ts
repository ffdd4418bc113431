/**
 * The entry format that the AWS CLI, boto3 and this library share: what an entry must say for its
 * credentials to be used, and for which role. Pure (text in, credentials out), so that the rules that
 * let another program's entry in, or keep a moved one out, are read apart from the file handling.
 *
 * @packageDocumentation
 */
import { isLeft } from "../core/isLeft";
import * as t from "io-ts";
import { redactSecrets, type Credentials } from "../core/CredentialProvider";
import { failedFields, NonEmptyString } from "../errors/codecs";
import { CredentialCacheError } from "../errors/CredentialCacheError";

/**
 * The cache file format, as botocore's `JSONFileCache` writes the `AssumeRole` response: `Credentials`,
 * and `AssumedRoleUser.Arn`, the assumed-role ARN that says which role they are for. The CLI also keeps
 * `ResponseMetadata`, which is ignored. This library's own entries say their role in `RoleArn` (the
 * role's ARN as asked for, which it knows; its sources do not keep STS's assumed-role ARN), a key the
 * CLI and boto3 ignore.
 */
const EntryCodec = /* @__PURE__ */ t.intersection([
  t.type({
    Credentials: t.intersection([
      t.type({
        AccessKeyId: NonEmptyString,
        SecretAccessKey: NonEmptyString,
        SessionToken: NonEmptyString,
        Expiration: NonEmptyString,
      }),
      t.partial({ AccountId: t.string }),
    ]),
  }),
  t.partial({ AssumedRoleUser: t.partial({ Arn: t.string }), RoleArn: t.string }),
]);

/** Partition, account and name of a role's ARN (`arn:aws:iam::123456789012:role/path/Name`). */
const roleOf = (arn: string): string | undefined => {
  const match = /^arn:([\w-]+):iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/.exec(arn);
  return match === null ? undefined : `${match[1]}:${match[2]}:${match[3]}`;
};

/**
 * Partition, account and role name of an assumed-role ARN
 * (`arn:aws:sts::123456789012:assumed-role/Name/session`): it drops the role's path, and a role's
 * name is unique in its account whatever its path.
 */
const assumedRoleOf = (arn: string): string | undefined => {
  const match = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return match === null ? undefined : `${match[1]}:${match[2]}:${match[3]}`;
};

/**
 * Why an entry is not the role's, if it is not: each role the entry names (STS's assumed-role ARN,
 * the role ARN this library wrote) must be `roleArn`, and it must name at least one.
 */
const wrongRole = (
  entry: { readonly AssumedRoleUser?: { readonly Arn?: string }; readonly RoleArn?: string },
  roleArn: string,
): string | undefined => {
  const wanted = roleOf(roleArn);
  const assumed = entry.AssumedRoleUser?.Arn;
  const named = [
    ...(assumed === undefined ? [] : [{ arn: assumed, role: assumedRoleOf(assumed) }]),
    ...(entry.RoleArn === undefined ? [] : [{ arn: entry.RoleArn, role: roleOf(entry.RoleArn) }]),
  ];
  if (named.length === 0) return `names no role (no AssumedRoleUser.Arn), and ${roleArn} was asked for`;
  const other = named.find(({ role }) => role === undefined || role !== wanted);
  return other === undefined ? undefined : `holds credentials for ${other.arn}, not for ${roleArn}`;
};

/**
 * The timestamps found in CLI cache entries: the AWS CLI v1 keeps STS's own text
 * (`2030-01-01T12:00:00.123456Z`), boto3 writes `2030-01-01T12:00:00UTC`, others write an offset.
 * An expiration without a zone is refused: its instant is unknown. Every field must be in range, as
 * the round trip checks: `Date.UTC` would roll `12:99` over into `13:39`, and `02-31` into March.
 */
const parseExpiration = (text: string): Date | undefined => {
  const match =
    /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|UTC|GMT|[+-]\d\d:?\d\d)$/i.exec(text);
  if (match === null) return undefined;
  const [, ...texts] = match;
  const [y, mo, d, h, mi, s] = texts.slice(0, 6).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = texts[6] ?? "";
  const zone = texts[7] ?? "Z";
  const local = new Date(Date.UTC(y, mo - 1, d, h, mi, s, Number(fraction.padEnd(3, "0").slice(0, 3))));
  // Date.UTC maps years 0-99 to 1900-1999: setUTCFullYear takes the year as written.
  local.setUTCFullYear(y);
  const roundTrips =
    local.getUTCFullYear() === y &&
    local.getUTCMonth() === mo - 1 &&
    local.getUTCDate() === d &&
    local.getUTCHours() === h &&
    local.getUTCMinutes() === mi &&
    local.getUTCSeconds() === s;
  if (!roundTrips) return undefined;
  const offset = /^([+-])(\d\d):?(\d\d)$/.exec(zone);
  if (offset === null) return local;
  const [, sign, oh, om] = offset;
  if (Number(oh) > 23 || Number(om) > 59) return undefined;
  return new Date(local.getTime() - (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000);
};

/**
 * The credentials of an entry's text, read from `path`; with `roleArn`, only if the entry is that
 * role's. Anything else is a {@link CredentialCacheError} that names the problem, never the content.
 *
 * @internal
 */
export const parseCacheEntry = (path: string, text: string, roleArn: string | undefined): Credentials => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message quotes the text, which holds secrets: only its length is told.
    throw new CredentialCacheError(
      "corrupt",
      path,
      `is not JSON (${text.length} characters; a partial write?)`,
    );
  }
  const entry = EntryCodec.decode(json);
  if (isLeft(entry)) {
    throw new CredentialCacheError(
      "foreign",
      path,
      `is not a CLI credential entry: invalid or missing ${failedFields(entry.left).join(", ")}`,
    );
  }
  const { Credentials: stored } = entry.right;
  if (roleArn !== undefined) {
    const problem = wrongRole(entry.right, roleArn);
    if (problem !== undefined) throw new CredentialCacheError("wrong-role", path, problem);
  }
  const expiration = parseExpiration(stored.Expiration);
  if (expiration === undefined) {
    throw new CredentialCacheError(
      "foreign",
      path,
      "has an Expiration that is not an ISO 8601 time with a zone",
    );
  }
  return redactSecrets({
    accessKeyId: stored.AccessKeyId,
    secretAccessKey: stored.SecretAccessKey,
    sessionToken: stored.SessionToken,
    expiration,
    ...(stored.AccountId === undefined || stored.AccountId === "" ? {} : { accountId: stored.AccountId }),
  });
};

/**
 * The text of an entry for `path` as the CLI writes one, saying its role when `roleArn` is given. Only
 * temporary credentials have an entry: others are an `uncacheable` {@link CredentialCacheError}.
 *
 * @internal
 */
export const formatCacheEntry = (
  path: string,
  credentials: Credentials,
  roleArn: string | undefined,
): string => {
  const { sessionToken, expiration } = credentials;
  if (sessionToken === undefined || expiration === undefined || Number.isNaN(expiration.getTime())) {
    throw new CredentialCacheError(
      "uncacheable",
      path,
      "only temporary credentials (with a session token and an expiration) are stored",
    );
  }
  return JSON.stringify({
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: sessionToken,
      Expiration: expiration.toISOString(),
      ...(credentials.accountId === undefined ? {} : { AccountId: credentials.accountId }),
    },
    ...(roleArn === undefined ? {} : { RoleArn: roleArn }),
  });
};
