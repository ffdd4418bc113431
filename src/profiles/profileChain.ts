/**
 * The providers a profile's plan is served by: its first credentials, then each role of its chain
 * assumed with the previous one's, each below the same attempt limits and refresh rules. Apart from
 * {@link refreshingProfile}, which reads and re-reads the files, so that each file says one thing: how
 * a plan becomes providers here, when plans are made and replaced there.
 *
 * @packageDocumentation
 */
import { createHash } from "node:crypto";
import { pipe } from "fp-ts/function";
import type { AssumeRoleCacheKeyInput } from "../cache/assumeRoleCacheKey";
import type { Clock } from "../core/Clock";
import type { CredentialProvider, ProviderTransform } from "../core/CredentialProvider";
import { checkedElsewhere } from "../errors/InvalidOptionsError";
import { refreshAhead, withInternals, type RefreshingProvider } from "../pipeline/refreshAhead";
import { defaultRetryPolicy } from "../pipeline/retryPolicy";
import { retryWith } from "../pipeline/retryWith";
import { withTimeout } from "../pipeline/withTimeout";
import { telemetryOf, withRoleCacheKey, type RefreshPolicyOptions } from "../policies/refreshing";
import type { RefreshingProfileOptions } from "../policies/refreshingProfile";
import { assumeRole } from "../sources/assumeRole";
import { mfaCodeOnce } from "../sources/mfaCode";
import { addFeatures, profileFeatures } from "../telemetry/credentialFeatures";
import type { ConfigFilePaths } from "./loadConfigFiles";
import { profileSourceProvider } from "./profileSourceProvider";
import type { ProfilePlan, RoleHop } from "./resolveProfile";

/**
 * What a chain is built from: the profile provider's checked options, the files, and the clock.
 *
 * @internal
 */
export interface ProfileChainContext {
  /** Checked by {@link refreshingProfile}: the pieces each layer is made of are given them as they are. */
  readonly options: RefreshingProfileOptions;
  readonly paths: ConfigFilePaths;
  readonly clock: Clock;
}

/**
 * The providers of a plan: the source and every hop but the last refresh on their own (each is a
 * caller of the next); the last one, below the top layer's refresh rules, is `top`.
 *
 * @internal
 */
export interface ProfileChain {
  /** Two plans with the same key give the same credentials, and share their chain: see {@link planKey}. */
  readonly key: string;
  readonly top: CredentialProvider;
  /** The layers that refresh on their own, to dispose of with the chain. */
  readonly parts: readonly RefreshingProvider[];
}

/**
 * What changes the credentials a plan gives: two plans with the same key share their chain. A digest,
 * so that static keys are not held a second time in the clear.
 *
 * @internal
 */
export const planKey = (plan: ProfilePlan): string => {
  const { source } = plan;
  const secretPart =
    source.kind === "static"
      ? [
          source.credentials.accessKeyId,
          source.credentials.secretAccessKey,
          source.credentials.sessionToken ?? "",
        ]
      : [];
  const text = JSON.stringify([
    plan.profile,
    plan.region,
    plan.endpoint,
    plan.hops,
    { ...source, credentials: undefined },
    secretPart,
  ]);
  return createHash("sha256").update(text, "utf8").digest("hex");
};

/** One attempt's limits, then the shared cache under `cacheKey`: what each hop does below its refresh rules. */
const belowRefresh = (
  context: ProfileChainContext,
  cacheKey: string | undefined,
  perRefresh: ProviderTransform = (provider) => provider,
): ProviderTransform => {
  const { options, clock } = context;
  const { cache } = options;
  const shared: ProviderTransform =
    cache === undefined || cacheKey === undefined
      ? (provider) => provider
      : cache.layer(cacheKey, {
          clock,
          ...(options.onCacheEvent === undefined ? {} : { onEvent: options.onCacheEvent }),
          ...(options.logger === undefined ? {} : { logger: options.logger }),
        });
  return (provider) =>
    pipe(
      provider,
      // The checked options, as they are: these read their clock and onRetry from them.
      withTimeout(options.attemptTimeoutMs ?? 5_000, options),
      retryWith(options.retryPolicy ?? defaultRetryPolicy, options),
      // An MFA code, asked once per refresh above the attempts, and not when the cache answers.
      perRefresh,
      shared,
    );
};

/**
 * The refresh rules of every layer; events and logs belong to the top one alone.
 *
 * @internal
 */
export const refreshRules = (
  context: ProfileChainContext,
  top: boolean,
): ((provider: CredentialProvider) => RefreshingProvider) => {
  const { options, clock } = context;
  const defined = Object.fromEntries(
    Object.entries({
      clock,
      advisoryWindowMs: options.advisoryWindowMs,
      mandatoryWindowMs: options.mandatoryWindowMs,
      backoff: options.backoff,
      random: options.random,
      ...(top
        ? { serveExpired: options.serveExpired, onEvent: options.onEvent, logger: options.logger }
        : {}),
    }).filter(([, value]) => value !== undefined),
  );
  return refreshAhead(withInternals(defined, top ? { telemetry: telemetryOf(options, "profile") } : {}));
};

/**
 * The region of the STS calls: the profile's, else the environment's, else us-east-1, where botocore's
 * STS client signs when no region is configured (the SDK's client would fail with "Region is missing").
 */
const stsRegion = (plan: ProfilePlan): string =>
  plan.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "us-east-1");

/**
 * The `AssumeRole` source of one hop, called with `caller`'s credentials, and what each of its
 * refreshes does first (ask for the MFA code of a hop with `mfa_serial`).
 */
const hopSource = (
  context: ProfileChainContext,
  plan: ProfilePlan,
  hop: RoleHop,
  caller: CredentialProvider,
): { readonly source: CredentialProvider; readonly perRefresh?: ProviderTransform } => {
  const { mfaCode } = context.options;
  const { mfaSerial } = hop;
  const once =
    mfaSerial === undefined || mfaCode === undefined
      ? undefined
      : mfaCodeOnce({ serialNumber: mfaSerial, tokenCode: () => mfaCode(mfaSerial) }, context.clock);
  // Checked as the AWS CLI checks a profile (resolveProfile), not by assumeRole's rules: what the CLI
  // sends to STS, this library sends too.
  const source = assumeRole(
    checkedElsewhere({
      roleArn: hop.roleArn,
      roleSessionName: hop.roleSessionName,
      externalId: hop.externalId,
      durationSeconds: hop.durationSeconds,
      clock: context.clock,
      credentials: caller,
      region: stsRegion(plan),
      ...(plan.endpoint === undefined ? {} : { clientConfig: { endpoint: plan.endpoint } }),
      ...(once === undefined ? {} : { mfa: once.mfa }),
    }),
  );
  return once === undefined ? { source } : { source, perRefresh: once.ask };
};

/** One role hop with its attempts' limits and its shared cache, below its refresh rules. */
const hopBelowRefresh = (
  context: ProfileChainContext,
  plan: ProfilePlan,
  hop: RoleHop,
  caller: CredentialProvider,
): CredentialProvider => {
  const { source, perRefresh } = hopSource(context, plan, hop, caller);
  return belowRefresh(context, hopKey(context, hop), perRefresh)(source);
};

/** The key of a hop's entry in the cache: the AWS CLI's for the same profile. */
const hopKey = (context: ProfileChainContext, hop: RoleHop): string | undefined => {
  const { cache } = context.options;
  if (cache === undefined) return undefined;
  // Through refreshingRole's own step, so that a cache of the user's whose roleKey() throws or answers
  // nonsense reads as an InvalidOptionsError naming the cache.
  const role: AssumeRoleCacheKeyInput & RefreshPolicyOptions = {
    cache,
    roleArn: hop.roleArn,
    ...(hop.roleSessionName === undefined ? {} : { roleSessionName: hop.roleSessionName }),
    ...(hop.externalId === undefined ? {} : { externalId: hop.externalId }),
    ...(hop.durationSeconds === undefined ? {} : { durationSeconds: hop.durationSeconds }),
    ...(hop.mfaSerial === undefined ? {} : { mfa: { serialNumber: hop.mfaSerial } }),
  };
  return withRoleCacheKey(role, "refreshingProfile").cacheKey;
};

/**
 * The providers of `plan`: static keys are served as they are; any other first credentials refresh on
 * their own, and so does each role but the last, each the caller of the next.
 *
 * @internal
 */
export const profileChain = (context: ProfileChainContext, plan: ProfilePlan): ProfileChain => {
  const source = profileSourceProvider(plan.source, {
    paths: context.paths,
    clock: context.clock,
    region: stsRegion(plan),
    endpoint: plan.endpoint,
  });
  const key = planKey(plan);
  // The SDK's profile feature ids, on what the chain's top hands out (its own answers keep theirs).
  const marked = addFeatures(...profileFeatures(plan.source.kind, plan.hops.length));
  if (plan.hops.length === 0)
    return { key, top: marked(belowRefresh(context, undefined)(source)), parts: [] };
  const parts: RefreshingProvider[] = [];
  // Static keys need no refreshing; anything else is refreshed on its own, as the first caller.
  let caller: CredentialProvider = source;
  if (plan.source.kind !== "static") {
    const refreshed = refreshRules(context, false)(belowRefresh(context, undefined)(source));
    parts.push(refreshed);
    caller = refreshed;
  }
  const last = plan.hops.length - 1;
  plan.hops.slice(0, last).forEach((hop) => {
    const refreshed = refreshRules(context, false)(hopBelowRefresh(context, plan, hop, caller));
    parts.push(refreshed);
    caller = refreshed;
  });
  const lastHop = plan.hops[last] as RoleHop;
  return {
    key,
    top: marked(hopBelowRefresh(context, plan, lastHop, caller)),
    parts,
  };
};
