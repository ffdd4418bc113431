/**
 * The fp-ts face of aws-refresh-session: import from `aws-refresh-session/fp`.
 *
 * The same pieces as the Promise API, as `TaskEither<CredentialError, Credentials>` values and
 * combinators on them. Each is the Promise implementation seen through {@link fromProvider} and
 * {@link toProvider}: one implementation of every rule, two ways to hold it.
 *
 * @packageDocumentation
 */
import * as E from "fp-ts/Either";
import * as TE from "fp-ts/TaskEither";
import * as P from "../index";
import type {
  CredentialProvider,
  Credentials,
  ProviderOptions,
  ProviderTransform,
} from "../core/CredentialProvider";
import type { CredentialRefreshError } from "../errors/CredentialRefreshError";
import { decodeOptions } from "../errors/InvalidOptionsError";
import { asCredentialRefreshError } from "../errors/isRetryableError";

/**
 * Why credentials could not be had. Every failure is a {@link CredentialRefreshError} with
 * `retryable`, `attempts` and `cause`; anything else thrown underneath is wrapped in one.
 *
 * @example
 * ```ts
 * import type { CredentialError } from "aws-refresh-session/fp";
 *
 * const shouldPage = (error: CredentialError) => !error.retryable;
 * ```
 * @since 0.1.0
 */
export type CredentialError = CredentialRefreshError;

/**
 * Credentials as a lazy, failable computation: run it for `Either<CredentialError, Credentials>`.
 *
 * @example
 * ```ts
 * import type { CredentialsTask } from "aws-refresh-session/fp";
 *
 * const run = async (task: CredentialsTask) => (await task())._tag;
 * ```
 * @since 0.1.0
 */
export type CredentialsTask = TE.TaskEither<CredentialError, Credentials>;

/**
 * A function from task to task, composable with `pipe`.
 *
 * @example
 * ```ts
 * import { flow } from "fp-ts/function";
 * import { memoizeUntil, retryWith, type CredentialsTaskTransform } from "aws-refresh-session/fp";
 *
 * const resilient: CredentialsTaskTransform = flow(retryWith(), memoizeUntil());
 * ```
 * @since 0.1.0
 */
export type CredentialsTaskTransform = (task: CredentialsTask) => CredentialsTask;

/** The provider behind each task made from one, so that crossing back loses nothing. */
const origins = new WeakMap<CredentialsTask, CredentialProvider>();

/**
 * Wraps anything thrown as a {@link CredentialError}.
 *
 * @example
 * ```ts
 * import { toCredentialError } from "aws-refresh-session/fp";
 *
 * toCredentialError(new Error("boom")).retryable; // false
 * ```
 * @since 0.1.0
 */
export const toCredentialError = (error: unknown): CredentialError => asCredentialRefreshError(error);

/**
 * A provider as a task; `options` are passed to each call.
 *
 * @example
 * ```ts
 * import { fromProvider } from "aws-refresh-session/fp";
 * import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
 *
 * const task = fromProvider(fromNodeProviderChain());
 * ```
 * @since 0.1.0
 */
export const fromProvider = (provider: CredentialProvider, options?: ProviderOptions): CredentialsTask => {
  const made: CredentialsTask = () =>
    provider(options).then(E.right, (error: unknown) => E.left(toCredentialError(error)));
  if (options === undefined) origins.set(made, provider);
  return made;
};

/**
 * A task as a provider, for SDK clients: a `Left` becomes a rejection. When the task came from
 * {@link fromProvider}, the provider it wraps is called directly, with the SDK's options
 * (`forceRefresh`, `signal`) and its `memoized` mark intact.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { refreshingRole, toProvider } from "aws-refresh-session/fp";
 *
 * const s3 = new S3Client({
 *   region: "eu-west-1",
 *   credentials: toProvider(refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" })),
 * });
 * ```
 * @since 0.1.0
 */
export const toProvider = (task: CredentialsTask): CredentialProvider => {
  const underlying = origins.get(task);
  if (underlying !== undefined) return underlying;
  return async () => {
    const result = await task();
    if (E.isLeft(result)) throw result.left;
    return result.right;
  };
};

const task = (provider: CredentialProvider): CredentialsTask => fromProvider(provider);
const lift =
  (transform: ProviderTransform): CredentialsTaskTransform =>
  (source) =>
    task(transform(toProvider(source)));

// ---------------------------------------------------------------------------------------------------
// Constructors: where credentials come from. Options are checked as in the Promise API (an
// InvalidOptionsError is thrown at construction); use `validate` to get an Either instead.
// ---------------------------------------------------------------------------------------------------

/**
 * One STS `AssumeRole` call per run. See {@link P.assumeRole}.
 *
 * @example
 * ```ts
 * import { assumeRole } from "aws-refresh-session/fp";
 *
 * const once = assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" });
 * ```
 * @since 0.1.0
 */
export const assumeRole = (options: P.AssumeRoleOptions): CredentialsTask => task(P.assumeRole(options));

/**
 * One STS `AssumeRoleWithWebIdentity` call per run. See {@link P.assumeRoleWithWebIdentity}.
 *
 * @example
 * ```ts
 * import { assumeRoleWithWebIdentity } from "aws-refresh-session/fp";
 *
 * const pod = assumeRoleWithWebIdentity({ roleArn: "arn:aws:iam::123456789012:role/pod", webIdentityTokenFile: "/var/run/token" });
 * ```
 * @since 0.1.0
 */
export const assumeRoleWithWebIdentity = (options: P.AssumeRoleWithWebIdentityOptions): CredentialsTask =>
  task(P.assumeRoleWithWebIdentity(options));

/**
 * Credentials from the ECS / EKS Pod Identity endpoint. See {@link P.containerCredentials}.
 *
 * @example
 * ```ts
 * import { containerCredentials } from "aws-refresh-session/fp";
 *
 * const fromEcs = containerCredentials();
 * ```
 * @since 0.1.0
 */
export const containerCredentials = (options?: P.ContainerCredentialsOptions): CredentialsTask =>
  task(P.containerCredentials(options));

/**
 * Credentials from any function, validated. See {@link P.fromFunction}.
 *
 * @example
 * ```ts
 * import { fromFunction } from "aws-refresh-session/fp";
 *
 * const vault = fromFunction(() => readFromVault());
 * ```
 * @since 0.1.0
 */
export const fromFunction = (
  fetchCredentials: () => unknown,
  options?: { readonly name?: string },
): CredentialsTask => task(P.fromFunction(fetchCredentials, options));

/**
 * The ready-made, self-refreshing role. See {@link P.refreshingRole}.
 *
 * @example
 * ```ts
 * import { refreshingRole } from "aws-refresh-session/fp";
 *
 * const credentials = refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" });
 * const result = await credentials(); // Either<CredentialError, Credentials>
 * ```
 * @since 0.1.0
 */
export const refreshingRole = (options: P.RefreshingRoleOptions): CredentialsTask =>
  task(P.refreshingRole(options));

// ---------------------------------------------------------------------------------------------------
// Combinators: data-last, for pipe.
// ---------------------------------------------------------------------------------------------------

/**
 * See {@link P.retryWith}.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, retryWith } from "aws-refresh-session/fp";
 *
 * const task = pipe(assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }), retryWith());
 * ```
 * @since 0.1.0
 */
export const retryWith = (policy?: P.RetryPolicy, options?: P.RetryOptions): CredentialsTaskTransform =>
  lift(P.retryWith(policy, options));

/**
 * See {@link P.withExpiryBuffer}.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, withExpiryBuffer } from "aws-refresh-session/fp";
 *
 * const task = pipe(assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }), withExpiryBuffer(60_000));
 * ```
 * @since 0.1.0
 */
export const withExpiryBuffer = (ms: number): CredentialsTaskTransform => lift(P.withExpiryBuffer(ms));

/**
 * See {@link P.withTimeout}.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, withTimeout } from "aws-refresh-session/fp";
 *
 * const task = pipe(assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }), withTimeout(5_000));
 * ```
 * @since 0.1.0
 */
export const withTimeout = (ms: number, options?: P.WithTimeoutOptions): CredentialsTaskTransform =>
  lift(P.withTimeout(ms, options));

/**
 * See {@link P.memoizeUntil}.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, memoizeUntil } from "aws-refresh-session/fp";
 *
 * const cached = pipe(assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }), memoizeUntil());
 * ```
 * @since 0.1.0
 */
export const memoizeUntil = (options?: P.MemoizeUntilOptions): CredentialsTaskTransform =>
  lift(P.memoizeUntil(options));

/**
 * See {@link P.refreshAhead}.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, refreshAhead } from "aws-refresh-session/fp";
 *
 * const ahead = pipe(assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }), refreshAhead({ windowMs: 300_000 }));
 * ```
 * @since 0.1.0
 */
export const refreshAhead = (options?: P.RefreshAheadOptions): CredentialsTaskTransform =>
  lift(P.refreshAhead(options));

/**
 * The whole refresh policy on any source. See {@link P.refreshing}.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { containerCredentials, refreshing } from "aws-refresh-session/fp";
 *
 * const credentials = pipe(containerCredentials(), refreshing({ logger: console }));
 * ```
 * @since 0.1.0
 */
export const refreshing =
  (options?: P.RefreshPolicyOptions): CredentialsTaskTransform =>
  (source) =>
    task(P.refreshing(toProvider(source), options));

/**
 * Checks options with a codec, as an `Either` instead of a throw.
 *
 * @example
 * ```ts
 * import { RefreshingRoleOptionsCodec, validate } from "aws-refresh-session/fp";
 *
 * const checked = validate("refreshingRole", RefreshingRoleOptionsCodec)({ roleArn: "nope" }); // Left(InvalidOptionsError)
 * ```
 * @since 0.1.0
 */
export const validate =
  <A, O>(subject: string, codec: import("io-ts").Type<A, O, unknown>) =>
  (input: unknown): E.Either<P.InvalidOptionsError, A> =>
    E.tryCatch(
      () => decodeOptions(subject, codec, input),
      (error) => error as P.InvalidOptionsError,
    );

export { AssumeRoleOptionsCodec } from "../sources/roleOptions";
export { AssumeRoleWithWebIdentityOptionsCodec } from "../sources/assumeRoleWithWebIdentity";
export { CredentialsCodec } from "../sources/fromFunction";
export { RefreshingRoleOptionsCodec } from "../policies/refreshingRole";
/**
 * retry-ts's combinators, for building a `retryPolicy` by composition (the main entry has
 * `backoffPolicy` for the common case). Re-exported so that a program needs no direct dependency on
 * retry-ts.
 */
export {
  capDelay,
  constantDelay,
  exponentialBackoff,
  limitRetries,
  limitRetriesByDelay,
  RetryPolicyMonoid,
} from "../pipeline/retryPolicy";
