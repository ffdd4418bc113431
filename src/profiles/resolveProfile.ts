/**
 * What a profile of the shared config files means, as botocore (the AWS CLI) reads it: the roles to
 * assume, in order, and where the first caller's credentials come from. Pure: the files are given,
 * already parsed by the SDK's loader; nothing here reads a file or calls a service.
 *
 * @packageDocumentation
 */
import type { ParsedIniData, SharedConfigFiles } from "@smithy/types";
import { isRight } from "../core/isLeft";
import { RoleArn } from "../errors/codecs";
import { redactSecrets, type Credentials } from "../core/CredentialProvider";
import { hideKeysAndTokens } from "../core/secretText";
import type { OptionIssue } from "../errors/InvalidOptionsError";
import { mergedProfiles, type ConfigFilePaths } from "./loadConfigFiles";

/**
 * The named sources of `credential_source` that botocore supports, and the only ones.
 *
 * @internal
 */
export const CREDENTIAL_SOURCES = ["Environment", "Ec2InstanceMetadata", "EcsContainer"] as const;

/** @internal */
export type CredentialSourceName = (typeof CREDENTIAL_SOURCES)[number];

/**
 * Where the first caller's credentials come from.
 *
 * @internal
 */
export type ProfileSource =
  | { readonly kind: "static"; readonly profile: string; readonly credentials: Credentials }
  | { readonly kind: "credentialSource"; readonly profile: string; readonly name: CredentialSourceName }
  | { readonly kind: "process"; readonly profile: string }
  | { readonly kind: "sso"; readonly profile: string }
  | {
      readonly kind: "webIdentity";
      readonly profile: string;
      readonly roleArn: string;
      readonly tokenFile: string;
      readonly roleSessionName: string | undefined;
    };

/**
 * One `AssumeRole` call of a chain, with the arguments botocore gives it from the profile.
 *
 * @internal
 */
export interface RoleHop {
  readonly profile: string;
  readonly roleArn: string;
  readonly roleSessionName: string | undefined;
  readonly externalId: string | undefined;
  readonly mfaSerial: string | undefined;
  readonly durationSeconds: number | undefined;
}

/**
 * A profile resolved: the source, then the roles assumed from it in order (the last is the profile's
 * own), and the region and STS endpoint the profile configures.
 *
 * @internal
 */
export interface ProfilePlan {
  readonly profile: string;
  readonly source: ProfileSource;
  readonly hops: readonly RoleHop[];
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  /**
   * The endpoint the profile's files give a service (by the SDK's `serviceId`: "S3", "STS"), as the
   * SDK reads them for the profile in force: its `services` section, then its `endpoint_url`. The
   * environment's `AWS_ENDPOINT_URL*` are left to the SDK, which reads them itself.
   */
  readonly endpointOf: (serviceId: string) => string | undefined;
}

/**
 * What {@link resolveProfile} is told besides the files.
 *
 * @internal
 */
export interface ResolveContext {
  readonly paths: ConfigFilePaths;
  /** Whether an MFA code can be asked for: without it, a profile with `mfa_serial` cannot work. */
  readonly hasMfaCode: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The profile the AWS CLI would use: the one named, else `AWS_DEFAULT_PROFILE`, else `AWS_PROFILE`,
 * else `default`. botocore reads the two variables in that order; the CLI, whose cache entries we share,
 * is what a profile must mean the same to (the SDK for JavaScript reads `AWS_PROFILE` only).
 *
 * @internal
 */
export const selectedProfile = (profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string =>
  profile || env.AWS_DEFAULT_PROFILE || env.AWS_PROFILE || "default";

const SECTION_PREFIXES = ["sso-session.", "services."];

const has = (profile: Record<string, string | undefined>, key: string): boolean =>
  profile[key] !== undefined && profile[key] !== "";

const hasStatic = (profile: Record<string, string | undefined>): boolean =>
  has(profile, "aws_access_key_id") || has(profile, "aws_secret_access_key");

/** botocore's `_has_assume_role_config_vars`: a web identity profile is not an AssumeRole profile. */
const hasRoleVars = (profile: Record<string, string | undefined>): boolean =>
  has(profile, "role_arn") && !has(profile, "web_identity_token_file");

/** A value from the files as an issue may show it: quoted, anything shaped like a key or token hidden. */
const shown = (value: string): string => hideKeysAndTokens(JSON.stringify(value));

const isTrue = (value: string | undefined): boolean => value?.trim().toLowerCase() === "true";

/**
 * The STS endpoint as the SDK and the CLI choose it: `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the
 * profile's `services` section's `sts` `endpoint_url`, the profile's `endpoint_url`; none of them
 * with `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` or `ignore_configured_endpoint_urls` set to true.
 */
const stsEndpoint = (
  profile: Record<string, string | undefined>,
  configFile: ParsedIniData,
  env: NodeJS.ProcessEnv,
): string | undefined => {
  if (endpointsIgnored(profile, env)) return undefined;
  return (
    env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || configuredEndpoint("STS", profile, configFile, env)
  );
};

/** `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, or the profile's `ignore_configured_endpoint_urls`. */
const endpointsIgnored = (profile: Record<string, string | undefined>, env: NodeJS.ProcessEnv): boolean =>
  isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) || isTrue(profile.ignore_configured_endpoint_urls);

/** A service's endpoint from the files, as the SDK's `getEndpointUrlConfig` reads its config file. */
const configuredEndpoint = (
  serviceId: string,
  profile: Record<string, string | undefined>,
  configFile: ParsedIniData,
  env: NodeJS.ProcessEnv,
): string | undefined => {
  if (endpointsIgnored(profile, env)) return undefined;
  const services = profile.services === undefined ? undefined : configFile[`services.${profile.services}`];
  const key = serviceId
    .split(" ")
    .map((word) => word.toLowerCase())
    .join("_");
  return services?.[`${key}.endpoint_url`] || profile.endpoint_url || undefined;
};

/**
 * Resolves `name` as botocore's `AssumeRoleProvider` and its profile providers do, naming every
 * problem found on the way (an unknown profile, a cycle, a role with no source or two, a
 * `credential_source` not supported, an `mfa_serial` with no code, a malformed `duration_seconds`).
 * Values from the files appear in issues only when they are names (profiles, sources, keys).
 *
 * @internal
 */
export const resolveProfile = (
  files: SharedConfigFiles,
  name: string,
  context: ResolveContext,
): { readonly plan: ProfilePlan | undefined; readonly issues: readonly OptionIssue[] } => {
  const env = context.env ?? process.env;
  const all = mergedProfiles(files);
  const profiles: Record<string, Record<string, string | undefined>> = {};
  for (const [key, values] of Object.entries(all)) {
    if (!SECTION_PREFIXES.some((prefix) => key.startsWith(prefix))) profiles[key] = values;
  }
  const names = Object.keys(profiles).sort();
  const where = `${context.paths.configFile} or ${context.paths.credentialsFile}`;
  const listed = names.length === 0 ? "there are none" : `the profiles are: ${names.join(", ")}`;
  const issues: OptionIssue[] = [];
  const issue = (profile: string, key: string, rule: string): void => {
    issues.push({ path: `profile ${profile}${key === "" ? "" : `.${key}`}`, rule });
  };

  const top = profiles[name];
  if (top === undefined) {
    issues.push({ path: "profile", rule: `no profile named "${name}" in ${where}; ${listed}` });
    return { plan: undefined, issues };
  }

  const hops: RoleHop[] = [];
  const visited: string[] = [name];

  /** botocore's profile providers, in its order: web identity, SSO, the credentials file, process, the config file. */
  const profileCredentials = (profileName: string): ProfileSource | undefined => {
    const profile = profiles[profileName] ?? {};
    if (has(profile, "role_arn") && has(profile, "web_identity_token_file")) {
      return {
        kind: "webIdentity",
        profile: profileName,
        roleArn: roleArnOf(profileName, profile),
        tokenFile: profile.web_identity_token_file as string,
        roleSessionName: profile.role_session_name || undefined,
      };
    }
    if (has(profile, "sso_session") || has(profile, "sso_start_url")) {
      const session = profile.sso_session;
      if (
        session !== undefined &&
        session !== "" &&
        files.configFile[`sso-session.${session}`] === undefined
      ) {
        issue(
          profileName,
          "sso_session",
          `names [sso-session ${session}], which is not in ${context.paths.configFile}`,
        );
      }
      return { kind: "sso", profile: profileName };
    }
    const inCredentialsFile = files.credentialsFile[profileName] ?? {};
    const staticKeys = (section: Record<string, string | undefined>): ProfileSource | undefined => {
      if (!hasStatic(section)) return undefined;
      const missing = ["aws_access_key_id", "aws_secret_access_key"].filter((key) => !has(profile, key));
      if (missing.length > 0) {
        issue(
          profileName,
          missing.join(", "),
          "is missing: static keys need both aws_access_key_id and aws_secret_access_key",
        );
        return undefined;
      }
      return {
        kind: "static",
        profile: profileName,
        credentials: redactSecrets({
          accessKeyId: profile.aws_access_key_id as string,
          secretAccessKey: profile.aws_secret_access_key as string,
          ...(has(profile, "aws_session_token") ? { sessionToken: profile.aws_session_token } : {}),
        }),
      };
    };
    if (hasStatic(inCredentialsFile)) return staticKeys(profile);
    if (has(profile, "credential_process")) return { kind: "process", profile: profileName };
    if (hasStatic(profile)) return staticKeys(profile);
    issue(
      profileName,
      "",
      "has no credentials: give it role_arn with source_profile or credential_source, web_identity_token_file, sso_session, aws_access_key_id and aws_secret_access_key, or credential_process",
    );
    return undefined;
  };

  const roleArnOf = (profileName: string, profile: Record<string, string | undefined>): string => {
    const arn = profile.role_arn ?? "";
    if (!isRight(RoleArn.decode(arn))) {
      issue(
        profileName,
        "role_arn",
        `is not a role ARN such as arn:aws:iam::123456789012:role/Name (got ${shown(arn)})`,
      );
    }
    return arn;
  };

  /** botocore's `_load_creds_via_assume_role` for `profileName`: its hop, then its source's. */
  const assumeRoleOf = (profileName: string): ProfileSource | undefined => {
    const profile = profiles[profileName] ?? {};
    let durationSeconds: number | undefined;
    const duration = profile.duration_seconds;
    if (duration !== undefined) {
      // botocore drops a value int() cannot read; a typo here would silently give one-hour sessions.
      if (/^\d+$/.test(duration.trim()) && Number(duration) >= 900 && Number(duration) <= 43_200) {
        durationSeconds = Number(duration);
      } else {
        issue(
          profileName,
          "duration_seconds",
          `must be a whole number of seconds from 900 to 43200 (got ${shown(duration)})`,
        );
      }
    }
    const mfaSerial = profile.mfa_serial || undefined;
    if (mfaSerial !== undefined && !context.hasMfaCode) {
      issue(profileName, "mfa_serial", "needs an MFA code: give refreshingProfile an mfaCode function");
    }
    hops.unshift({
      profile: profileName,
      roleArn: roleArnOf(profileName, profile),
      roleSessionName: profile.role_session_name || undefined,
      externalId: profile.external_id || undefined,
      mfaSerial,
      durationSeconds,
    });
    const sourceProfile = profile.source_profile || undefined;
    const credentialSource = profile.credential_source || undefined;
    if (sourceProfile !== undefined && credentialSource !== undefined) {
      issue(profileName, "", "has both source_profile and credential_source: give one");
      return undefined;
    }
    if (credentialSource !== undefined) {
      if (!(CREDENTIAL_SOURCES as readonly string[]).includes(credentialSource)) {
        issue(
          profileName,
          "credential_source",
          `"${credentialSource}" is not supported; use one of ${CREDENTIAL_SOURCES.join(", ")}`,
        );
        return undefined;
      }
      return {
        kind: "credentialSource",
        profile: profileName,
        name: credentialSource as CredentialSourceName,
      };
    }
    if (sourceProfile === undefined) {
      issue(profileName, "", "has role_arn but neither source_profile nor credential_source: give one");
      return undefined;
    }
    const source = profiles[sourceProfile];
    if (source === undefined) {
      issue(profileName, "source_profile", `names "${sourceProfile}", which is not in ${where}; ${listed}`);
      return undefined;
    }
    if (visited.includes(sourceProfile)) {
      // A profile may name itself, to take static keys from its own section (botocore allows it).
      if (sourceProfile === profileName && hasStatic(source)) return profileCredentials(sourceProfile);
      const cycle = [...visited.slice(visited.indexOf(sourceProfile)), sourceProfile];
      issue(profileName, "source_profile", `makes a cycle: ${cycle.join(" -> ")}`);
      return undefined;
    }
    visited.push(sourceProfile);
    // botocore's `_resolve_credentials_from_profile`: a source with static keys, or with no role,
    // gives its own credentials; otherwise its role is assumed too.
    return hasStatic(source) || !hasRoleVars(source)
      ? profileCredentials(sourceProfile)
      : assumeRoleOf(sourceProfile);
  };

  const source = hasRoleVars(top) ? assumeRoleOf(name) : profileCredentials(name);
  if (source === undefined || issues.length > 0) return { plan: undefined, issues };
  return {
    plan: {
      profile: name,
      source,
      hops,
      region: top.region || undefined,
      endpoint: stsEndpoint(top, files.configFile, env),
      endpointOf: (serviceId) => configuredEndpoint(serviceId, top, files.configFile, env),
    },
    issues,
  };
};
