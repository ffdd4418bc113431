/**
 * The fp-ts face of aws-refresh-session: import from `aws-refresh-session/fp`.
 *
 * What an fp-ts program needs to hold this library's providers as `TaskEither<CredentialError,
 * Credentials>` values, and nothing the main entry already says: {@link fromProvider} and
 * {@link toProvider} to cross between providers and tasks without losing a cache's members,
 * {@link keeping} to apply fp-ts's own combinators to a caching task, {@link toCredentialError} for
 * anything thrown, the io-ts codecs of the options with {@link validate}, and retry-ts's combinators
 * for composing a retry policy. Sources, combinators and ready-made policies are built with the main
 * entry (`pipe(assumeRole(options), retryWith(), memoizeUntil())`) and crossed over once: one
 * implementation of every rule, and one way to build it.
 *
 * Two kinds of failure, two channels:
 *
 * - **Bad options** are known when a provider is built, before any network call: the main entry's
 *   constructors throw an `InvalidOptionsError` then, at start-up. To hold it as a `Left` instead,
 *   build inside `E.tryCatch` (`E.tryCatch(() => fromProvider(refreshingRole(options)), E.toError)`);
 *   {@link validate} checks options with a codec, such as options read from a file.
 *   retry-ts's combinators (`limitRetries`, `capDelay`, ...) throw one for a bad number, as retry-ts
 *   has them.
 * - **Getting credentials** can fail at every run: a task's `Left` is a {@link CredentialError}.
 *
 * A task made from a caching provider ({@link MemoizedProvider}) carries `memoized: true`, and one
 * made from a refreshing provider also carries the {@link RefreshingProvider}'s `invalidate`,
 * `status` and `dispose`; {@link toProvider} gives SDK clients that very provider back, so they call it
 * per request instead of wrapping it in a cache of their own. fp-ts's own combinators (`TE.map`,
 * `TE.tap`, ...) make a new task the library cannot vouch for, without the members: use
 * {@link keeping} to apply them to a caching task.
 *
 * @packageDocumentation
 */
import { AsyncLocalStorage } from "node:async_hooks";
import * as E from "fp-ts/Either";
import type * as TE from "fp-ts/TaskEither";
import type { CredentialProvider, Credentials, ProviderOptions } from "../core/CredentialProvider";
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
 * {@link MemoizedProvider}. Made by {@link fromProvider} from one; {@link toProvider} gives that
 * `MemoizedProvider` back, which SDK clients call per request instead of caching it again.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, memoizeUntil } from "aws-refresh-session";
 * import { fromProvider, type MemoizedCredentialsTask } from "aws-refresh-session/fp";
 *
 * const cached: MemoizedCredentialsTask = fromProvider(
 *   pipe(assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }), memoizeUntil()),
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
 * {@link fromProvider} from a {@link RefreshingProvider} (`refreshingRole`, `refreshing`,
 * `refreshAhead`, ...).
 *
 * @example
 * ```ts
 * import { refreshingRole } from "aws-refresh-session";
 * import { fromProvider, type RefreshingCredentialsTask } from "aws-refresh-session/fp";
 *
 * const credentials: RefreshingCredentialsTask = fromProvider(
 *   refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }),
 * );
 * credentials.dispose(); // at shutdown: no more background refreshes
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
 * Runs `build` (which checks options and throws, as the Promise API does), turning an
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
 * {@link fromProvider} without options, the provider it wraps is returned, with the SDK's options
 * (`forceRefresh`, `signal`) passed through and its members intact. Any other task
 * gets a provider with the task's members: a {@link RefreshingCredentialsTask} becomes a
 * {@link RefreshingProvider}, a {@link MemoizedCredentialsTask} a {@link MemoizedProvider} (both
 * `memoized: true`, which SDK clients call per request instead of caching them a second time).
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { refreshingRole } from "aws-refresh-session";
 * import { fromProvider, toProvider } from "aws-refresh-session/fp";
 *
 * const credentials = fromProvider(refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }));
 * // The refreshing provider itself: memoized, with dispose(), so the client does not cache it again.
 * const s3 = new S3Client({ region: "eu-west-1", credentials: toProvider(credentials) });
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
 * import { pipe } from "fp-ts/function";
 * import * as TE from "fp-ts/TaskEither";
 * import { refreshingRole } from "aws-refresh-session";
 * import { fromProvider, keeping } from "aws-refresh-session/fp";
 *
 * const counted = pipe(
 *   fromProvider(refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" })),
 *   keeping(TE.tapIO(() => () => console.count("credentials served"))),
 * ); // a RefreshingCredentialsTask: toProvider(counted) is memoized, and dispose() stops the role's refreshes
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
 * Checks options with a codec, as an `Either` instead of a throw: options read from a file or the
 * environment, say, before they reach the main entry's constructor. The codec checks each option on its
 * own; the constructor still checks one against another, and throws for that.
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
  (input: unknown): E.Either<InvalidOptionsError, A> =>
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
