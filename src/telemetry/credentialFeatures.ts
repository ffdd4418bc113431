/**
 * The SDK's credential feature ids (`$source`, set with `setCredentialFeature` from
 * `@aws-sdk/core/client`), which the User-Agent of every signed request reports, as it does for the
 * SDK's own providers. Each source sets its id on the credentials it returns; this module has the ids
 * and puts them back on credentials that come from a shared cache, whose entries do not keep them.
 *
 * @packageDocumentation
 */
import { setCredentialFeature } from "@aws-sdk/core/client";
import { redactSecrets, type CredentialProvider, type Credentials } from "../core/CredentialProvider";
import type { SourceKind } from "./credentialMetrics";

/** The feature id names and their codes, as `@aws-sdk/types`' `AwsSdkCredentialsFeatures` has them. */
type Feature = Parameters<typeof setCredentialFeature>[1];
type FeatureEntry = readonly [Feature, string];
/** Credentials as the SDK's signers read their features. */
type Attributed = Parameters<typeof setCredentialFeature>[0];

/**
 * The feature of each STS action's credentials.
 *
 * @internal
 */
export const STS_FEATURE = {
  AssumeRole: ["CREDENTIALS_STS_ASSUME_ROLE", "i"],
  AssumeRoleWithWebIdentity: ["CREDENTIALS_STS_ASSUME_ROLE_WEB_ID", "k"],
} as const satisfies Record<string, FeatureEntry>;

/** What a source of each kind sets; a profile's credentials carry the features of its chain. */
const FEATURE_OF_KIND: Partial<Record<SourceKind, FeatureEntry>> = {
  "assume-role": STS_FEATURE.AssumeRole,
  "web-identity": STS_FEATURE.AssumeRoleWithWebIdentity,
  container: ["CREDENTIALS_HTTP", "z"],
  iot: ["CREDENTIALS_HTTP", "z"],
  custom: ["CREDENTIALS_CODE", "e"],
};

/**
 * Sets feature ids on credentials a source returns; the object is the source's own, fresh for each
 * call, so it is marked in place.
 *
 * @internal
 */
export const withFeatures = <C extends Credentials>(credentials: C, ...features: FeatureEntry[]): C => {
  for (const [feature, code] of features) setCredentialFeature(credentials, feature, code as never);
  return credentials;
};

/**
 * Puts a source's feature id back on credentials that lack any (an entry read from a shared cache,
 * which another process, or the AWS CLI, wrote): a copy, since a cache may share its objects.
 *
 * @internal
 */
export const keepFeatures =
  (kind: SourceKind) =>
  (provider: CredentialProvider): CredentialProvider => {
    const feature = FEATURE_OF_KIND[kind];
    if (feature === undefined) return provider;
    return async (options) => {
      const credentials = await provider(options);
      if ((credentials as Attributed).$source !== undefined) return credentials;
      return redactSecrets(withFeatures({ ...credentials }, feature));
    };
  };

/**
 * Adds feature ids to every answer of `provider`, on a copy (the answer may be shared by a cache).
 *
 * @internal
 */
export const addFeatures =
  (...features: FeatureEntry[]) =>
  (provider: CredentialProvider): CredentialProvider =>
    features.length === 0
      ? provider
      : async (options) => {
          const credentials = await provider(options);
          const known = (credentials as Attributed).$source;
          return redactSecrets(
            withFeatures(
              { ...credentials, ...(known === undefined ? {} : { $source: { ...known } }) },
              ...features,
            ),
          );
        };

/**
 * The features of a profile's credentials, as the SDK's profile provider sets them: the profile's
 * source, and `CREDENTIALS_PROFILE_SOURCE_PROFILE` when roles are assumed from it.
 *
 * @internal
 */
export const profileFeatures = (
  kind: "static" | "credentialSource" | "process" | "sso" | "webIdentity",
  hops: number,
): FeatureEntry[] => {
  const own: Record<typeof kind, FeatureEntry> = {
    static: ["CREDENTIALS_PROFILE", "n"],
    credentialSource: ["CREDENTIALS_PROFILE_NAMED_PROVIDER", "p"],
    process: ["CREDENTIALS_PROFILE_PROCESS", "v"],
    sso: ["CREDENTIALS_PROFILE_SSO", "r"],
    webIdentity: ["CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN", "q"],
  };
  if (hops === 0) return [own[kind]];
  return kind === "credentialSource" ? [own[kind]] : [["CREDENTIALS_PROFILE_SOURCE_PROFILE", "o"]];
};
