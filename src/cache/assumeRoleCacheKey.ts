import { createHash } from "node:crypto";
import * as t from "io-ts";
import { assumeRoleProps, type AssumeRoleOptions } from "../sources/roleOptions";
import { NonEmptyString } from "../errors/codecs";
import { decodeOptionsAs } from "../errors/InvalidOptionsError";
import { pyJsonOf, pythonJsonDumps, pythonJsonLoads, type PyJson } from "./pythonJson";

/**
 * What {@link assumeRoleCacheKey} reads: the options of {@link assumeRole} that shape the session. Any
 * `AssumeRoleOptions` or `RefreshingRoleOptions` object will do; its other fields are ignored.
 *
 * @example
 * ```ts
 * import type { AssumeRoleCacheKeyInput } from "aws-refresh-session";
 *
 * const input: AssumeRoleCacheKeyInput = {
 *   roleArn: "arn:aws:iam::123456789012:role/Admin",
 *   mfa: { serialNumber: "arn:aws:iam::123456789012:mfa/alice" },
 * };
 * ```
 * @category Cache
 * @since 0.1.0
 */
export interface AssumeRoleCacheKeyInput extends Pick<
  AssumeRoleOptions,
  | "roleArn"
  | "roleSessionName"
  | "externalId"
  | "durationSeconds"
  | "policy"
  | "policyArns"
  | "tags"
  | "transitiveTagKeys"
  | "sourceIdentity"
> {
  /** Only the device's serial number counts: the code changes, the session it opens does not. */
  readonly mfa?: { readonly serialNumber: string };
}

const {
  roleArn,
  roleSessionName,
  externalId,
  durationSeconds,
  policy,
  policyArns,
  tags,
  transitiveTagKeys,
  sourceIdentity,
} = assumeRoleProps;

// Not strict: the input is usually a provider's whole options object, and only these fields count.
const KeyInputCodec = /* @__PURE__ */ t.intersection([
  t.type({ roleArn }),
  t.partial({
    roleSessionName,
    externalId,
    durationSeconds,
    policy,
    policyArns,
    tags,
    transitiveTagKeys,
    sourceIdentity,
    mfa: t.type({ serialNumber: NonEmptyString }),
  }),
]);

/**
 * The arguments of the `AssumeRole` call that botocore hashes, by their STS names. The session name
 * counts only when chosen: a generated one differs at every start and would make every key new.
 */
const cacheKeyArgs = (input: AssumeRoleCacheKeyInput): PyJson => {
  const args = pyJsonOf({
    RoleArn: input.roleArn,
    RoleSessionName: input.roleSessionName,
    ExternalId: input.externalId,
    SerialNumber: input.mfa?.serialNumber,
    DurationSeconds: input.durationSeconds,
    // The CLI cannot set these; a boto3 program can (extra_args), and botocore hashes them too.
    PolicyArns: input.policyArns?.map((arn) => ({ arn })),
    Tags: input.tags?.map(({ key, value }) => ({ Key: key, Value: value })),
    TransitiveTagKeys: input.transitiveTagKeys,
    SourceIdentity: input.sourceIdentity,
  }) as { readonly kind: "object"; readonly entries: Map<string, PyJson> };
  // botocore hashes the policy as the object it parses, not as the text given, so that the order of
  // its keys does not matter.
  if (input.policy !== undefined) args.entries.set("Policy", pythonJsonLoads(input.policy));
  return args;
};

/**
 * The text botocore hashes for a cache key: the arguments as Python's `json.dumps(args, sort_keys=True)`
 * writes them.
 *
 * @internal
 */
export const assumeRoleCacheKeyText = (input: AssumeRoleCacheKeyInput): string => {
  const decoded = decodeOptionsAs<AssumeRoleCacheKeyInput>()("assumeRoleCacheKey", KeyInputCodec, input);
  return pythonJsonDumps(cacheKeyArgs(decoded));
};

/**
 * The cache key the AWS CLI and boto3 give the credentials of a role, so that a {@link fileCache} in
 * the CLI's directory (`~/.aws/cli/cache`) shares its entries with them both ways.
 *
 * It is botocore's `_create_cache_key`: the SHA-1, in hex, of the `AssumeRole` arguments written as
 * Python's `json.dumps(args, sort_keys=True)` writes them (separators `", "` and `": "`, non-ASCII
 * escaped as `\uXXXX`), with `Policy` parsed first. The arguments are `RoleArn` and, when given,
 * `RoleSessionName` (only when you chose it: the generated default is left out), `ExternalId`,
 * `SerialNumber` (from `mfa`; never the code), `DurationSeconds` and `Policy`, the ones a CLI profile
 * can set (`role_arn`, `role_session_name`, `external_id`, `mfa_serial`, `duration_seconds`); then
 * `PolicyArns`, `Tags`, `TransitiveTagKeys` and `SourceIdentity`, which a profile cannot set, so that
 * sessions that differ in them never share an entry. Like botocore's, the key does not depend on the
 * caller's credentials, region or endpoint. It is also botocore's key for a role assumed with a web
 * identity (a profile with `web_identity_token_file`), which hashes `RoleArn` and `RoleSessionName` alone.
 *
 * Options are checked as {@link assumeRole} checks them; bad ones throw an {@link InvalidOptionsError}.
 *
 * @example
 * ```ts
 * import { assumeRoleCacheKey, fileCache, withCache } from "aws-refresh-session";
 *
 * // The entry the CLI writes for a profile with role_arn = arn:aws:iam::123456789012:role/Reader
 * const key = assumeRoleCacheKey({ roleArn: "arn:aws:iam::123456789012:role/Reader" });
 * const shared = withCache(fileCache(), key);
 * ```
 * @category Cache
 * @since 0.1.0
 */
export const assumeRoleCacheKey = (input: AssumeRoleCacheKeyInput): string =>
  createHash("sha1").update(assumeRoleCacheKeyText(input), "utf8").digest("hex");
