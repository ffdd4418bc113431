/**
 * aws-refresh-session: credential providers for the AWS SDK for JavaScript v3 that refresh
 * themselves, built from small pieces that compose with fp-ts `pipe`.
 *
 * @packageDocumentation
 */
export { assumeRole } from "./sources/assumeRole";
export { type AssumeRoleOptions, type MfaOptions, type SessionTag } from "./sources/roleOptions";
export type { MfaCommand } from "./sources/mfaCommand";
export {
  assumeRoleWithWebIdentity,
  webIdentityFromEnv,
  type AssumeRoleWithWebIdentityOptions,
  type WebIdentityTokenSource,
} from "./sources/assumeRoleWithWebIdentity";
export { assumeRoleCacheKey, type AssumeRoleCacheKeyInput } from "./cache/assumeRoleCacheKey";
export { systemClock, type Clock, type SleepOptions } from "./core/Clock";
export type { CredentialCache } from "./cache/CredentialCache";
export { CredentialCacheError, type CacheProblem } from "./errors/CredentialCacheError";
export {
  redactSecrets,
  type CredentialProvider,
  type Credentials,
  type ProviderOptions,
  type ProviderTransform,
} from "./core/CredentialProvider";
export { CredentialRefreshError, type CredentialRefreshErrorOptions } from "./errors/CredentialRefreshError";
export type { ErrorRecord } from "./errors/causeRecord";
export {
  CREDENTIAL_REJECTION_ERROR_CODES,
  getCredentialRejectionPlugin,
  type CredentialRejectionEvent,
  type CredentialRejectionPluginOptions,
} from "./policies/getCredentialRejectionPlugin";
export { InvalidOptionsError, type OptionIssue } from "./errors/InvalidOptionsError";
export { isRetryableError } from "./errors/isRetryableError";
export { memoizeUntil, type MemoizedProvider, type MemoizeUntilOptions } from "./pipeline/memoizeUntil";
export { defaultAdvisoryWindowMs } from "./pipeline/credentialTimeline";
export { isNonRecoverableError, NON_RECOVERABLE_ERROR_CODES } from "./errors/isNonRecoverableError";
export {
  refreshAhead,
  type RefreshAheadOptions,
  type RefreshEvent,
  type RefreshingProvider,
  type RefreshReason,
  type RefreshStatus,
} from "./pipeline/refreshAhead";
export {
  defaultRefreshBackoff,
  exponentialRefreshBackoff,
  specRefreshBackoff,
  type ExponentialRefreshBackoffOptions,
  type RefreshBackoff,
  type RefreshBackoffContext,
} from "./pipeline/refreshBackoff";
export { refreshing, type RefreshPolicyOptions } from "./policies/refreshing";
export {
  refreshingProfile,
  type ProfileRefreshStatus,
  type ProfileSessionOptions,
  type RefreshingProfileOptions,
  type RefreshingProfileProvider,
} from "./policies/refreshingProfile";
export { refreshingRole, type RefreshingRoleOptions } from "./policies/refreshingRole";
export { refreshingWebIdentity, type RefreshingWebIdentityOptions } from "./policies/refreshingWebIdentity";
export {
  backoffPolicy,
  defaultRetryPolicy,
  fullJitter,
  type BackoffOptions,
  type Random,
  type RetryPolicy,
  type RetryStatus,
} from "./pipeline/retryPolicy";
export { retryWith, type RetryEvent, type RetryOptions } from "./pipeline/retryWith";
export {
  session,
  type ClientClass,
  type ConfigOf,
  type Session,
  type SessionOptions,
  type SourceSessionOptions,
} from "./policies/session";
export { containerCredentials, type ContainerCredentialsOptions } from "./sources/containerCredentials";
export { fileCache, type FileCache, type FileCacheOptions } from "./cache/fileCache";
export { fromFunction } from "./sources/fromFunction";
export { iotCredentials, type IotCredentialsOptions } from "./sources/iotCredentials";
export { sharedCache, type SharedCache } from "./cache/sharedCache";
export { withCache, type CacheEvent, type WithCacheOptions } from "./cache/withCache";
export { whoami, type RoleSessionProvider, type WhoamiOptions } from "./policies/whoami";
export type { CallerIdentity } from "./core/callerIdentity";
export { withTimeout, type WithTimeoutOptions } from "./pipeline/withTimeout";
export {
  serveCredentials,
  type CredentialServer,
  type CredentialServerEvent,
  type ServeCredentialsOptions,
} from "./server/serveCredentials";
export type { MeterProviderLike, TracerProviderLike } from "./telemetry/credentialMetrics";
