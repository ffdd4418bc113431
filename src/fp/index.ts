/**
 * The fp-ts face of aws-refresh-session: import from `aws-refresh-session/fp`.
 *
 * The same pieces as the Promise API, as `TaskEither<CredentialError, Credentials>` values and
 * combinators on them. Each is the Promise implementation seen through {@link fromProvider} and
 * {@link toProvider}: one implementation of every rule, two ways to hold it.
 *
 * Two kinds of failure, two channels:
 *
 * - **Bad options** are known when a piece is built, before any network call, and never change: every
 *   constructor returns an `Either<InvalidOptionsError, task>` and every combinator with options is a
 *   Kleisli arrow `task => Either<InvalidOptionsError, task>`, so a pipeline is `pipe(source,
 *   E.chain(step), ...)` and its first bad option is a `Left` you handle once, at start-up. (A
 *   `TaskEither` that fails with the error at every run would report a configuration mistake at the
 *   first request instead, mix it with the failures of the source, and have no provider to
 *   `dispose`.) Nothing here throws for bad options, except retry-ts's combinators
 *   (`limitRetries`, `capDelay`, ...), re-exported as retry-ts has them: they build retry policies,
 *   values handed to {@link retryWith}, and throw an `InvalidOptionsError` for a bad number.
 * - **Getting credentials** can fail at every run: a task's `Left` is a {@link CredentialError}.
 *
 * A task that caches ({@link memoizeUntil}) carries `memoized: true`, and one that refreshes
 * ({@link refreshing}, {@link refreshingRole}, {@link refreshAhead}) also carries the
 * {@link RefreshingProvider}'s `invalidate`, `status` and `dispose`; {@link toProvider} gives SDK
 * clients a provider with the same members, so they call it per request instead of wrapping it in a
 * cache of their own. fp-ts's own combinators (`TE.map`, `TE.tap`, ...) make a new task the library
 * cannot vouch for, without the members: use {@link keeping} to apply them to a caching task.
 *
 * @packageDocumentation
 */
import { AsyncLocalStorage } from "node:async_hooks";
import * as E from "fp-ts/Either";
import { pipe } from "fp-ts/function";
import * as TE from "fp-ts/TaskEither";
import * as P from "../index";
import type {
  CredentialProvider,
  Credentials,
  ProviderOptions,
  ProviderTransform,
} from "../core/CredentialProvider";
import type { CredentialRefreshError } from "../errors/CredentialRefreshError";
import { decodeOptions, InvalidOptionsError } from "../errors/InvalidOptionsError";
import { asCredentialRefreshError } from "../errors/isRetryableError";
import type { MemoizedProvider } from "../pipeline/memoizeUntil";
import type { RefreshingProvider } from "../pipeline/refreshAhead";

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
 * @category Types
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
 * @category Types
 * @since 0.1.0
 */
export type CredentialsTask = TE.TaskEither<CredentialError, Credentials>;

/**
 * A task that caches: running it is a cache hit until the credentials need replacing, as with a
 * {@link MemoizedProvider}. Made by {@link memoizeUntil}; {@link toProvider} makes it a
 * `MemoizedProvider`, which SDK clients call per request instead of caching it again.
 *
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, memoizeUntil, type MemoizedCredentialsTask } from "aws-refresh-session/fp";
 *
 * const cached: E.Either<unknown, MemoizedCredentialsTask> = pipe(
 *   assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }),
 *   E.chain(memoizeUntil()),
 * );
 * ```
 * @category Types
 * @since 0.2.0
 */
export interface MemoizedCredentialsTask extends CredentialsTask {
  /** The task caches; {@link toProvider} passes the mark on to SDK clients. */
  readonly memoized: true;
}

/**
 * A task that caches and refreshes ahead of expiry, with the {@link RefreshingProvider}'s handles:
 * `invalidate`, `holds`, `status`, `dispose` (and `Symbol.asyncDispose`, for `await using`). They act on the
 * provider behind the task, the same one {@link toProvider} gives SDK clients. Made by
 * {@link refreshingRole}, {@link refreshing} and {@link refreshAhead}.
 *
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { refreshingRole, type RefreshingCredentialsTask } from "aws-refresh-session/fp";
 *
 * const stop = (credentials: RefreshingCredentialsTask) => credentials.dispose();
 * E.map(stop)(refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }));
 * ```
 * @category Types
 * @since 0.2.0
 */
export interface RefreshingCredentialsTask
  extends
    MemoizedCredentialsTask,
    Pick<RefreshingProvider, "invalidate" | "holds" | "status" | "dispose" | typeof Symbol.asyncDispose> {}

/**
 * A function from task to task, composable with `pipe`: what fp-ts's combinators on a
 * `TaskEither` are, and what {@link keeping} takes.
 *
 * @example
 * ```ts
 * import * as TE from "fp-ts/TaskEither";
 * import type { CredentialsTaskTransform } from "aws-refresh-session/fp";
 *
 * const noted: CredentialsTaskTransform = TE.tapIO((credentials) => () => console.log(credentials.expiration));
 * ```
 * @category Types
 * @since 0.1.0
 */
export type CredentialsTaskTransform = (task: CredentialsTask) => CredentialsTask;

/** The provider behind each task made from one, so that crossing back loses nothing. */
const origins = new WeakMap<CredentialsTask, CredentialProvider>();

/**
 * The SDK's options (`signal`, `forceRefresh`) of the call in progress through a provider made by
 * {@link toProvider} from a task of your own: the tasks of {@link fromProvider} underneath pass them to
 * their providers, so a caller's signal and a forced refresh still reach the cache.
 */
const callOptions = new AsyncLocalStorage<ProviderOptions | undefined>();

/** The members a refreshing provider has beyond the call; `memoized` is handled on its own. */
const HANDLES = ["invalidate", "holds", "status", "dispose", Symbol.asyncDispose] as const;

/**
 * Gives `target` the `memoized` mark and the handles that `holder` has, each calling holder's own,
 * so that a task and the provider it crosses to or from answer for the same cache.
 */
const carryMembers = <T extends object>(target: T, holder: object): T => {
  // A transform given to `keeping` may hand back the very task it got, which has them already.
  if ((target as object) === holder) return target;
  const source = holder as Partial<Record<"memoized" | (typeof HANDLES)[number], unknown>>;
  if (source.memoized === true)
    Object.defineProperty(target, "memoized", { value: true, enumerable: true, configurable: true });
  for (const name of HANDLES) {
    const member = source[name];
    if (typeof member !== "function") continue;
    Object.defineProperty(target, name, {
      value: (...args: unknown[]): unknown => Reflect.apply(member, holder, args) as unknown,
      enumerable: true,
      configurable: true,
    });
  }
  return target;
};

/**
 * Runs `build` (a Promise-API constructor, which checks its options and throws), turning an
 * {@link InvalidOptionsError} into a `Left`. Anything else thrown is a bug, and is not disguised.
 */
const built = <A>(build: () => A): E.Either<InvalidOptionsError, A> => {
  try {
    return E.right(build());
  } catch (error) {
    if (error instanceof InvalidOptionsError) return E.left(error);
    throw error;
  }
};

/**
 * Wraps anything thrown as a {@link CredentialError}.
 *
 * @example
 * ```ts
 * import { toCredentialError } from "aws-refresh-session/fp";
 *
 * toCredentialError(new Error("boom")).retryable; // true: only a non-recoverable error is not
 * toCredentialError(Object.assign(new Error("no"), { name: "AccessDenied" })).retryable; // false
 * ```
 * @category Interop
 * @since 0.1.0
 */
export const toCredentialError = (error: unknown): CredentialError => asCredentialRefreshError(error);

/**
 * A provider as a task. Without `options`, the task keeps what the provider has: from a
 * {@link RefreshingProvider} comes a {@link RefreshingCredentialsTask}, from a {@link MemoizedProvider}
 * a {@link MemoizedCredentialsTask}, and {@link toProvider} gives back the provider itself. With
 * `options` (passed to each call), it is a plain task: `forceRefresh` at every run is no cache.
 *
 * @example
 * ```ts
 * import { fromProvider } from "aws-refresh-session/fp";
 * import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
 *
 * const task = fromProvider(fromNodeProviderChain());
 * ```
 * @category Interop
 * @since 0.1.0
 */
export function fromProvider(
  provider: CredentialProvider,
  options: ProviderOptions | undefined,
): CredentialsTask;
export function fromProvider<Provider extends CredentialProvider>(
  provider: Provider,
): Provider extends RefreshingProvider
  ? RefreshingCredentialsTask
  : Provider extends MemoizedProvider
    ? MemoizedCredentialsTask
    : CredentialsTask;
export function fromProvider(provider: CredentialProvider, options?: ProviderOptions): CredentialsTask {
  const made: CredentialsTask = () =>
    provider(options ?? callOptions.getStore()).then(E.right, (error: unknown) =>
      E.left(toCredentialError(error)),
    );
  if (options !== undefined) return made;
  origins.set(made, provider);
  return carryMembers(made, provider);
}

/**
 * A task as a provider, for SDK clients: a `Left` becomes a rejection. When the task came from
 * {@link fromProvider} (as every task of this module does), the provider it wraps is returned, with
 * the SDK's options (`forceRefresh`, `signal`) passed through and its members intact. Any other task
 * gets a provider with the task's members: a {@link RefreshingCredentialsTask} becomes a
 * {@link RefreshingProvider}, a {@link MemoizedCredentialsTask} a {@link MemoizedProvider} (both
 * `memoized: true`, which SDK clients call per request instead of caching them a second time).
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import * as E from "fp-ts/Either";
 * import { pipe } from "fp-ts/function";
 * import { refreshingRole, toProvider } from "aws-refresh-session/fp";
 *
 * const s3 = pipe(
 *   refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }),
 *   E.map(toProvider), // a RefreshingProvider: memoized, with dispose()
 *   E.map((credentials) => new S3Client({ region: "eu-west-1", credentials })),
 * );
 * ```
 * @category Interop
 * @since 0.1.0
 */
export const toProvider = <Task extends CredentialsTask>(
  task: Task,
): Task extends RefreshingCredentialsTask
  ? RefreshingProvider
  : Task extends MemoizedCredentialsTask
    ? MemoizedProvider
    : CredentialProvider => {
  type Result = ReturnType<typeof toProvider<Task>>;
  const underlying = origins.get(task);
  if (underlying !== undefined) return underlying as Result;
  const provider: CredentialProvider = async (providerOptions) => {
    const result = await callOptions.run(providerOptions, () => task());
    if (E.isLeft(result)) throw result.left;
    return result.right;
  };
  return carryMembers(provider, task) as Result;
};

const fromTransform =
  (transform: E.Either<InvalidOptionsError, ProviderTransform>) =>
  (source: CredentialsTask): E.Either<InvalidOptionsError, CredentialsTask> =>
    pipe(
      transform,
      E.map((provide) => fromProvider(provide(toProvider(source)))),
    );

// ---------------------------------------------------------------------------------------------------
// Constructors: where credentials come from. Options are checked as in the Promise API, at
// construction, before any network call; a bad one is a Left (see the module's documentation).
// ---------------------------------------------------------------------------------------------------

/**
 * One STS `AssumeRole` call per run. See {@link P.assumeRole}. Bad options are a `Left`.
 *
 * @example
 * ```ts
 * import { assumeRole } from "aws-refresh-session/fp";
 *
 * const once = assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }); // Right(task)
 * const typo = assumeRole({ roleArn: "Reader" }); // Left(InvalidOptionsError)
 * ```
 * @category Sources
 * @since 0.1.0
 */
export const assumeRole = (options: P.AssumeRoleOptions): E.Either<InvalidOptionsError, CredentialsTask> =>
  pipe(
    built(() => P.assumeRole(options)),
    E.map((provider) => fromProvider(provider)),
  );

/**
 * One STS `AssumeRoleWithWebIdentity` call per run. See {@link P.assumeRoleWithWebIdentity}. Bad
 * options are a `Left`.
 *
 * @example
 * ```ts
 * import { assumeRoleWithWebIdentity } from "aws-refresh-session/fp";
 *
 * const pod = assumeRoleWithWebIdentity({ roleArn: "arn:aws:iam::123456789012:role/pod", webIdentityTokenFile: "/var/run/token" });
 * ```
 * @category Sources
 * @since 0.1.0
 */
export const assumeRoleWithWebIdentity = (
  options: P.AssumeRoleWithWebIdentityOptions,
): E.Either<InvalidOptionsError, CredentialsTask> =>
  pipe(
    built(() => P.assumeRoleWithWebIdentity(options)),
    E.map((provider) => fromProvider(provider)),
  );

/**
 * Credentials from the ECS / EKS Pod Identity endpoint. See {@link P.containerCredentials}. Bad
 * options (or a container environment that names no endpoint) are a `Left`.
 *
 * @example
 * ```ts
 * import { containerCredentials } from "aws-refresh-session/fp";
 *
 * const fromEcs = containerCredentials();
 * ```
 * @category Sources
 * @since 0.1.0
 */
export const containerCredentials = (
  options?: P.ContainerCredentialsOptions,
): E.Either<InvalidOptionsError, CredentialsTask> =>
  pipe(
    built(() => P.containerCredentials(options)),
    E.map((provider) => fromProvider(provider)),
  );

/**
 * Credentials from any function, validated. See {@link P.fromFunction}. Bad options are a `Left`.
 *
 * @example
 * ```ts
 * import { fromFunction } from "aws-refresh-session/fp";
 *
 * declare function readFromVault(): Promise<unknown>; // your own source
 * const vault = fromFunction(() => readFromVault(), { name: "vault" });
 * ```
 * @category Sources
 * @since 0.1.0
 */
export const fromFunction = (
  fetchCredentials: () => unknown,
  options?: { readonly name?: string },
): E.Either<InvalidOptionsError, CredentialsTask> =>
  pipe(
    built(() => P.fromFunction(fetchCredentials, options)),
    E.map((provider) => fromProvider(provider)),
  );

/**
 * The ready-made, self-refreshing role. See {@link P.refreshingRole}. Bad options are a `Left`; the
 * task carries the refreshing provider's `dispose`, `invalidate` and `status`.
 *
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { refreshingRole } from "aws-refresh-session/fp";
 *
 * const credentials = refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" });
 * if (E.isLeft(credentials)) throw credentials.left; // bad options: stop at start-up
 * const result = await credentials.right(); // Either<CredentialError, Credentials>
 * credentials.right.dispose(); // at shutdown: no more background refreshes
 * ```
 * @category Ready-made
 * @since 0.1.0
 */
export const refreshingRole = (
  options: P.RefreshingRoleOptions,
): E.Either<InvalidOptionsError, RefreshingCredentialsTask> =>
  pipe(
    built(() => P.refreshingRole(options)),
    E.map((provider) => fromProvider(provider)),
  );

/**
 * {@link refreshingRole} for a role assumed with a web identity token. See
 * {@link P.refreshingWebIdentity}. Bad options are a `Left`.
 *
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { webIdentityFromEnv } from "aws-refresh-session";
 * import { refreshingWebIdentity } from "aws-refresh-session/fp";
 *
 * const credentials = refreshingWebIdentity({ ...webIdentityFromEnv(), region: "eu-west-1" });
 * if (E.isLeft(credentials)) throw credentials.left;
 * ```
 * @category Ready-made
 * @since 0.2.0
 */
export const refreshingWebIdentity = (
  options: P.RefreshingWebIdentityOptions,
): E.Either<InvalidOptionsError, RefreshingCredentialsTask> =>
  pipe(
    built(() => P.refreshingWebIdentity(options)),
    E.map((provider) => fromProvider(provider)),
  );

// ---------------------------------------------------------------------------------------------------
// Combinators: data-last Kleisli arrows, for `E.chain` in a pipe. Their options are checked when they
// are made; a bad one makes every task given to them a Left.
// ---------------------------------------------------------------------------------------------------

/**
 * See {@link P.retryWith}. The result is a new, uncached computation (no `memoized`, no handles):
 * put it below {@link memoizeUntil} or {@link refreshAhead}, as {@link refreshing} does.
 *
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, retryWith } from "aws-refresh-session/fp";
 *
 * const task = pipe(assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }), E.chain(retryWith()));
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export const retryWith = (
  policy?: P.RetryPolicy,
  options?: P.RetryOptions,
): ((task: CredentialsTask) => E.Either<InvalidOptionsError, CredentialsTask>) =>
  fromTransform(built(() => P.retryWith(policy, options)));

/**
 * See {@link P.withTimeout}. The result is a new, uncached computation: put it below the cache.
 *
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, withTimeout } from "aws-refresh-session/fp";
 *
 * const task = pipe(assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }), E.chain(withTimeout(5_000)));
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export const withTimeout = (
  ms: number,
  options?: P.WithTimeoutOptions,
): ((task: CredentialsTask) => E.Either<InvalidOptionsError, CredentialsTask>) =>
  fromTransform(built(() => P.withTimeout(ms, options)));

/**
 * See {@link P.memoizeUntil}. The task caches and is marked `memoized`, and so is its provider.
 *
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, memoizeUntil } from "aws-refresh-session/fp";
 *
 * // Replaced a minute before STS's expiration, which callers see as it is.
 * const cached = pipe(
 *   assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }),
 *   E.chain(memoizeUntil({ marginMs: 60_000 })),
 * );
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export const memoizeUntil =
  (options?: P.MemoizeUntilOptions) =>
  (task: CredentialsTask): E.Either<InvalidOptionsError, MemoizedCredentialsTask> =>
    pipe(
      built(() => P.memoizeUntil(options)),
      E.map((memoize) => fromProvider(memoize(toProvider(task)))),
    );

/**
 * See {@link P.refreshAhead}. The task carries the refreshing provider's handles.
 *
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, refreshAhead } from "aws-refresh-session/fp";
 *
 * const ahead = pipe(assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }), E.chain(refreshAhead({ advisoryWindowMs: 300_000 })));
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export const refreshAhead =
  (options?: P.RefreshAheadOptions) =>
  (task: CredentialsTask): E.Either<InvalidOptionsError, RefreshingCredentialsTask> =>
    pipe(
      built(() => P.refreshAhead(options)),
      E.map((refresh) => fromProvider(refresh(toProvider(task)))),
    );

/**
 * The whole refresh policy on any source. See {@link P.refreshing}. Bad options are a `Left`; the
 * task carries the refreshing provider's handles.
 *
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { pipe } from "fp-ts/function";
 * import { containerCredentials, refreshing } from "aws-refresh-session/fp";
 *
 * const credentials = pipe(containerCredentials(), E.chain(refreshing({ logger: console })));
 * ```
 * @category Ready-made
 * @since 0.1.0
 */
export const refreshing =
  (options?: P.RefreshPolicyOptions) =>
  (source: CredentialsTask): E.Either<InvalidOptionsError, RefreshingCredentialsTask> =>
    pipe(
      built(() => P.refreshing(toProvider(source), options)),
      E.map((provider) => fromProvider(provider)),
    );

/**
 * Applies a transform of your own (`TE.map`, `TE.tap`, `TE.orElse`, ...) on top of a caching task,
 * keeping its `memoized` mark and its handles, which still act on the cache underneath. A plain
 * `pipe(task, TE.map(f))` is a new task the library cannot vouch for, so {@link toProvider} would give
 * SDK clients a provider they wrap in their own 5-minute cache.
 *
 * Since the result still says it caches, `f` runs at every call: keep it cheap, and have it read the
 * task it is given rather than call another source (put such a source below the cache instead).
 *
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { pipe } from "fp-ts/function";
 * import * as TE from "fp-ts/TaskEither";
 * import { keeping, refreshingRole } from "aws-refresh-session/fp";
 *
 * const counted = pipe(
 *   refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }),
 *   E.map(keeping(TE.tapIO(() => () => console.count("credentials served")))),
 * ); // Either<InvalidOptionsError, RefreshingCredentialsTask>
 * ```
 * @category Combinators
 * @since 0.2.0
 */
export const keeping =
  (f: CredentialsTaskTransform) =>
  <Task extends MemoizedCredentialsTask>(
    task: Task,
  ): Task extends RefreshingCredentialsTask ? RefreshingCredentialsTask : MemoizedCredentialsTask =>
    kept(f(task), task) as Task extends RefreshingCredentialsTask
      ? RefreshingCredentialsTask
      : MemoizedCredentialsTask;

/**
 * What `keeping` gives: the task itself when `f` handed it back; otherwise a new function with its
 * members, since `f` may hand back a task that exists elsewhere (another one's), whose own members
 * must not be overwritten.
 */
const kept = (result: CredentialsTask, task: CredentialsTask): CredentialsTask =>
  result === task ? task : carryMembers<CredentialsTask>(() => result(), task);

/**
 * Checks options with a codec, as an `Either` instead of a throw.
 *
 * @example
 * ```ts
 * import { RefreshingRoleOptionsCodec, validate } from "aws-refresh-session/fp";
 *
 * const checked = validate("refreshingRole", RefreshingRoleOptionsCodec)({ roleArn: "nope" }); // Left(InvalidOptionsError)
 * ```
 * @category Codecs
 * @since 0.1.0
 */
export const validate =
  <A, O>(subject: string, codec: import("io-ts").Type<A, O, unknown>) =>
  (input: unknown): E.Either<P.InvalidOptionsError, A> =>
    built(() => decodeOptions(subject, codec, input));

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
