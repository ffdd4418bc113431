/**
 * The identity credentials act as, recorded beside the credentials object a source returned: a source
 * that learns it for free (STS's `AssumeRole` answer names the assumed role) records it, so that
 * {@link whoami} has no call to make.
 *
 * @packageDocumentation
 */
import type { Credentials } from "./CredentialProvider";

/**
 * Who a set of credentials acts as, as `GetCallerIdentity` would answer.
 *
 * @example
 * ```ts
 * import type { CallerIdentity } from "aws-refresh-session";
 *
 * const identity: CallerIdentity = {
 *   arn: "arn:aws:sts::123456789012:assumed-role/Reader/nightly-etl",
 *   account: "123456789012",
 *   userId: "AROAEXAMPLEID:nightly-etl",
 * };
 * ```
 * @category Sources
 * @since 0.2.0
 */
export interface CallerIdentity {
  /** The ARN of the user or the assumed-role session. */
  readonly arn: string;
  /** The 12-digit account. */
  readonly account: string;
  /** The unique id: an IAM user's id, or `<role id>:<session name>` for an assumed role. */
  readonly userId: string;
}

// Keyed by the credentials object itself: the record lives exactly as long as the credentials.
const recorded = new WeakMap<Credentials, CallerIdentity>();

/**
 * Records that `credentials` act as `identity`.
 *
 * @internal
 */
export const recordIdentity = (credentials: Credentials, identity: CallerIdentity): void => {
  recorded.set(credentials, Object.freeze({ ...identity }));
};

/**
 * The identity recorded for `credentials`, if any.
 *
 * @internal
 */
export const recordedIdentity = (credentials: Credentials): CallerIdentity | undefined =>
  recorded.get(credentials);

/**
 * The identity of an `AssumedRoleUser` from STS (`Arn`, `AssumedRoleId`), when it is complete.
 *
 * @internal
 */
export const identityOfAssumedRole = (
  user: { readonly Arn?: string | undefined; readonly AssumedRoleId?: string | undefined } | undefined,
): CallerIdentity | undefined => {
  const account = user?.Arn?.split(":")[4];
  if (user?.Arn === undefined || user.AssumedRoleId === undefined || account === undefined) return undefined;
  return /^\d{12}$/.test(account) ? { arn: user.Arn, account, userId: user.AssumedRoleId } : undefined;
};
