/**
 * aws-refresh-session: credential providers for the AWS SDK for JavaScript v3 that refresh
 * themselves, built from small pieces that compose with fp-ts `pipe`.
 *
 * @packageDocumentation
 */
export { assumeRole, type AssumeRoleOptions, type MfaOptions, type SessionTag } from "./assumeRole";
export {
  assumeRoleWithWebIdentity,
  webIdentityFromEnv,
  type AssumeRoleWithWebIdentityOptions,
  type WebIdentityTokenSource,
} from "./assumeRoleWithWebIdentity";
export { assumeRoleCacheKey, type AssumeRoleCacheKeyInput } from "./assumeRoleCacheKey";
export { systemClock, type Clock, type SleepOptions } from "./Clock";
export type { CredentialCache } from "./CredentialCache";
export { CredentialCacheError, type CacheProblem } from "./CredentialCacheError";
export {
  redactSecrets,
  type CredentialProvider,
  type Credentials,
  type ProviderOptions,
  type ProviderTransform,
} from "./CredentialProvider";
export { CredentialRefreshError, type CredentialRefreshErrorOptions } from "./CredentialRefreshError";
export {
  CREDENTIAL_REJECTION_ERROR_CODES,
  getCredentialRejectionPlugin,
  type CredentialRejectionPluginOptions,
} from "./getCredentialRejectionPlugin";
export { InvalidOptionsError, type OptionIssue } from "./InvalidOptionsError";
export { isRetryableError } from "./isRetryableError";
export { memoizeUntil, type MemoizedProvider, type MemoizeUntilOptions } from "./memoizeUntil";
export { defaultAdvisoryWindowMs } from "./credentialTimeline";
export { isNonRecoverableError, NON_RECOVERABLE_ERROR_CODES } from "./isNonRecoverableError";
export {
  refreshAhead,
  type RefreshAheadOptions,
  type RefreshEvent,
  type RefreshingProvider,
  type RefreshReason,
  type RefreshStatus,
} from "./refreshAhead";
export {
  defaultRefreshBackoff,
  exponentialRefreshBackoff,
  specRefreshBackoff,
  type ExponentialRefreshBackoffOptions,
  type RefreshBackoff,
  type RefreshBackoffContext,
} from "./refreshBackoff";
export { refreshing, type RefreshPolicyOptions } from "./refreshing";
export { refreshingRole, type RefreshingRoleOptions } from "./refreshingRole";
export { refreshingWebIdentity, type RefreshingWebIdentityOptions } from "./refreshingWebIdentity";
export {
  backoffPolicy,
  defaultRetryPolicy,
  fullJitter,
  type BackoffOptions,
  type Random,
  type RetryPolicy,
  type RetryStatus,
} from "./retryPolicy";
export { retryWith, type RetryEvent, type RetryOptions } from "./retryWith";
export {
  session,
  type ClientClass,
  type ConfigOf,
  type Session,
  type SessionOptions,
  type SourceSessionOptions,
} from "./session";
export { containerCredentials, type ContainerCredentialsOptions } from "./containerCredentials";
export { fileCache, type FileCache, type FileCacheOptions } from "./fileCache";
export { fromFunction } from "./fromFunction";
export { withCache, type CacheEvent, type WithCacheOptions } from "./withCache";
export { withExpiryBuffer } from "./withExpiryBuffer";
export { withTimeout, type WithTimeoutOptions } from "./withTimeout";
