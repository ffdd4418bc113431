import { systemClock } from "../core/Clock";
import type { CredentialProvider } from "../core/CredentialProvider";
import { hideKeysAndTokens } from "../core/secretText";
import { functionCodec, notAnOption, stringOf, strictOptions } from "../errors/codecs";
import { CredentialRefreshError, describeError } from "../errors/CredentialRefreshError";
import { decodeOptionsAs, InvalidOptionsError, type OptionIssue } from "../errors/InvalidOptionsError";
import type { RefreshingProvider, RefreshStatus } from "../pipeline/refreshAhead";
import {
  configFilePaths,
  ConfigFileError,
  ConfigLoaderError,
  loadConfigFiles,
  loadConfigFilesSync,
} from "../profiles/loadConfigFiles";
import {
  planKey,
  profileChain,
  refreshRules,
  type ProfileChain,
  type ProfileChainContext,
} from "../profiles/profileChain";
import { resolveProfile, selectedProfile } from "../profiles/resolveProfile";
import { ROLE_SESSION } from "../sources/roleOptions";
import { refreshPolicyIssues, refreshPolicyProps, type RefreshPolicyOptions } from "./refreshing";

/**
 * Options of {@link refreshingProfile}: which profile, how to refresh, and where MFA codes come from.
 *
 * @example
 * ```ts
 * import { fileCache, type RefreshingProfileOptions } from "aws-refresh-session";
 *
 * const options: RefreshingProfileOptions = {
 *   profile: "admin",
 *   cache: fileCache(),
 *   mfaCode: () => promptForCode(), // asked only when the role is really assumed
 * };
 * ```
 * @category Ready-made
 * @since 0.2.0
 */
export interface RefreshingProfileOptions extends Omit<RefreshPolicyOptions, "cacheKey"> {
  /**
   * The profile of the shared config files. Default: as the AWS CLI chooses, `AWS_DEFAULT_PROFILE`, else
   * `AWS_PROFILE`, else `default`.
   */
  readonly profile?: string | undefined;
  /**
   * Gives the current code of the MFA device `mfaSerial` (a profile's `mfa_serial`), asked only when
   * that role is really assumed: never on a cache hit, so with {@link fileCache} a code typed for the
   * AWS CLI serves this library too, and the other way round. Needed when a profile of the chain has
   * `mfa_serial`.
   */
  readonly mfaCode?: ((mfaSerial: string) => string | Promise<string>) | undefined;
}

/**
 * Options of a {@link session} whose credentials come from a profile of the shared config files:
 * {@link refreshingProfile}'s, with the profile named.
 *
 * @example
 * ```ts
 * import type { ProfileSessionOptions } from "aws-refresh-session";
 *
 * const options: ProfileSessionOptions = { profile: "reader", logger: console };
 * ```
 * @category Ready-made
 * @since 0.2.0
 */
export interface ProfileSessionOptions extends RefreshingProfileOptions {
  /** The profile; its `region` is the session's unless `region` is given. */
  readonly profile: string;
}

/**
 * What {@link RefreshingProfileProvider.status} tells: the refresh status, the profile, and a note
 * when there is something to know about how the profile is served.
 *
 * @example
 * ```ts
 * import { refreshingProfile, type ProfileRefreshStatus } from "aws-refresh-session";
 *
 * const status: ProfileRefreshStatus = refreshingProfile({ profile: "dev" }).status();
 * if (status.note !== undefined) console.log(status.note);
 * ```
 * @category Ready-made
 * @since 0.2.0
 */
export interface ProfileRefreshStatus extends RefreshStatus {
  /** The profile served. */
  readonly profile: string;
  /** Set when the profile is served in a way worth knowing, such as static keys that never refresh. */
  readonly note: string | undefined;
}

/**
 * Where a profile provider keeps the endpoint its files give each service, for `session({ profile })`'s
 * clients: the SDK reads a profile's `endpoint_url` only for the profile in `AWS_PROFILE`.
 *
 * @internal
 */
export const PROFILE_ENDPOINT: unique symbol = Symbol("aws-refresh-session.profileEndpoint");

/**
 * The provider {@link refreshingProfile} returns: a {@link RefreshingProvider} that also knows its
 * profile and the region the profile configures.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { refreshingProfile, type RefreshingProfileProvider } from "aws-refresh-session";
 *
 * const credentials: RefreshingProfileProvider = refreshingProfile({ profile: "reader" });
 * const s3 = new S3Client({ region: credentials.region, credentials });
 * ```
 * @category Ready-made
 * @since 0.2.0
 */
export interface RefreshingProfileProvider extends RefreshingProvider {
  /** The profile served, chosen at construction. */
  readonly profile: string;
  /** The profile's `region` when it was built (`undefined`: none). */
  readonly region: string | undefined;
  status(): ProfileRefreshStatus;
}

/**
 * The io-ts codec of {@link RefreshingProfileOptions}. Unknown option names are errors.
 *
 * @internal
 */
export const RefreshingProfileOptionsCodec = /* @__PURE__ */ (() => {
  const { cacheKey: _cacheKey, ...policy } = refreshPolicyProps;
  return strictOptions(
    "RefreshingProfileOptions",
    {},
    {
      ...policy,
      profile: stringOf(1, 256, /^[^\s\]]+$/, "a profile name, such as dev (no spaces or ])"),
      mfaCode: functionCodec<(mfaSerial: string) => string | Promise<string>>(
        "a function (mfaSerial) => string | Promise<string>",
      ),
      ...Object.fromEntries([
        [
          "cacheKey",
          notAnOption(
            "each role of a profile has its own key, the AWS CLI's for that profile: give cache alone",
          ),
        ],
        [
          "roleArn",
          notAnOption("comes from the profile's role_arn; to assume a role by its ARN, use refreshingRole()"),
        ],
      ]),
    },
  );
})();

const describeIssues = (issues: readonly OptionIssue[]): string =>
  issues.map(({ path, rule }) => `${path}: ${rule}`).join("; ");

/**
 * Credentials of a profile of the shared config files (`~/.aws/config`, `~/.aws/credentials`) that
 * refresh themselves: the profile's role assumed, and kept fresh ahead of expiry with
 * {@link refreshingRole}'s rules (one STS call per refresh however many clients share it, background
 * refresh, backoff after a failure), for as long as the program runs.
 *
 * The profile is chosen as the AWS CLI chooses it (`profile`, else `AWS_DEFAULT_PROFILE`, else
 * `AWS_PROFILE`, else `default`), and read as botocore reads it: `role_arn` with
 * `source_profile` (chains of any length) or `credential_source` (`Environment`,
 * `Ec2InstanceMetadata`, `EcsContainer`); `mfa_serial`, `external_id`, `role_session_name`,
 * `duration_seconds`, `region`; `web_identity_token_file`; `credential_process`; IAM Identity Center
 * (`sso_session`, `sso_*`, through the SDK's SSO provider); static keys, served as they are. The STS
 * calls go to the endpoint the profile configures (`endpoint_url`, a `services` section). Each role
 * of a chain refreshes on its own, so a refresh of the last one calls STS once.
 *
 * With `cache: fileCache()`, each role uses the AWS CLI's cache entry for it: `aws --profile X` and
 * this library share sessions both ways, and an MFA code is asked once for both. The files are read
 * again at each refresh: an edited profile, or a new `aws sso login`, takes effect then.
 *
 * The files are read and the profile checked now, before any network call: an unknown profile, a
 * cycle, a role with no source or two, an unsupported `credential_source`, an `mfa_serial` without
 * `mfaCode`, a malformed `duration_seconds` or a file that cannot be read throw an
 * {@link InvalidOptionsError} naming every problem. No value from the files but names appears in it.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { fileCache, refreshingProfile } from "aws-refresh-session";
 *
 * const credentials = refreshingProfile({ profile: "reader", cache: fileCache() });
 * const s3 = new S3Client({ region: credentials.region, credentials });
 * ```
 * @category Ready-made
 * @since 0.2.0
 */
export const refreshingProfile = (options: RefreshingProfileOptions = {}): RefreshingProfileProvider => {
  const subject = "refreshingProfile";
  const decoded = decodeOptionsAs<RefreshingProfileOptions>()(
    subject,
    RefreshingProfileOptionsCodec,
    options,
    (checked) => refreshPolicyIssues(checked, { keyFromRole: true }),
  );
  const paths = configFilePaths();
  const profile = selectedProfile(decoded.profile);
  const context: ProfileChainContext = { options: decoded, paths, clock: decoded.clock ?? systemClock };
  const resolve = (files: Parameters<typeof resolveProfile>[0]) =>
    resolveProfile(files, profile, { paths, hasMfaCode: decoded.mfaCode !== undefined });

  let files;
  try {
    files = loadConfigFilesSync(paths);
  } catch (error) {
    if (!(error instanceof ConfigFileError || error instanceof ConfigLoaderError)) throw error;
    throw new InvalidOptionsError(subject, [{ path: "profile", rule: error.message }]);
  }
  const { plan, issues } = resolve(files);
  if (plan === undefined) throw new InvalidOptionsError(subject, issues);

  let chain = profileChain(context, plan);
  let disposed = false;
  const isStatic = plan.hops.length === 0 && plan.source.kind === "static";
  const note = isStatic
    ? `profile ${profile} has static keys and no role: they are served as they are, and never refreshed`
    : undefined;

  // Each refresh reads the files again; a changed profile gets a new chain, and the old one stops.
  const current = async (): Promise<ProfileChain> => {
    let fresh;
    try {
      fresh = resolve(await loadConfigFiles(paths));
    } catch (error) {
      // A file that cannot be read says so in its own words; anything else is described, keys hidden.
      if (error instanceof ConfigFileError) {
        throw new CredentialRefreshError(`profile ${profile}: ${error.message}`, { retryable: false });
      }
      throw new CredentialRefreshError(`profile ${profile}: ${hideKeysAndTokens(describeError(error))}`, {
        retryable: false,
        cause: error,
      });
    }
    if (fresh.plan === undefined) {
      throw new CredentialRefreshError(
        `profile ${profile} cannot be used as the files now stand: ${describeIssues(fresh.issues)}`,
        { retryable: false },
      );
    }
    if (planKey(fresh.plan) !== chain.key) {
      const old = chain;
      chain = profileChain(context, fresh.plan);
      for (const part of old.parts) part.dispose();
      // Called after dispose(), it still answers, on demand, with no background work of its own.
      if (disposed) for (const part of chain.parts) part.dispose();
    }
    return chain;
  };
  const source: CredentialProvider = isStatic
    ? chain.top
    : async (providerOptions) => (await current()).top(providerOptions);
  const provider = refreshRules(context, true)(source);
  const ownStatus = provider.status.bind(provider);
  const ownDispose = provider.dispose.bind(provider);
  const dispose = (): void => {
    disposed = true;
    ownDispose();
    for (const part of chain.parts) part.dispose();
  };
  return Object.assign(provider, {
    profile,
    region: plan.region,
    [PROFILE_ENDPOINT]: plan.endpointOf,
    status: (): ProfileRefreshStatus => ({ ...ownStatus(), profile, note }),
    dispose,
    [Symbol.asyncDispose]: () => {
      dispose();
      return Promise.resolve();
    },
    // An assumed role: a role assumed with it as the caller is held to the one-hour cap.
    ...(plan.hops.length > 0 ? { [ROLE_SESSION]: true } : {}),
  });
};
