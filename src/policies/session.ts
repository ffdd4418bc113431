import * as t from "io-ts";
import { assumeRoleProps } from "../sources/roleOptions";
import { webIdentityProps } from "../sources/assumeRoleWithWebIdentity";
import { functionCodec, integerIn, notAnOption, strictOptions } from "../errors/codecs";
import type { CredentialProvider } from "../core/CredentialProvider";
import { getCredentialRejectionPlugin, type CredentialRejectionEvent } from "./getCredentialRejectionPlugin";
import {
  decodeOptions,
  decodeOptionsAs,
  InvalidOptionsError,
  toIssues,
  type OptionIssue,
} from "../errors/InvalidOptionsError";
import type { RefreshEvent, RefreshingProvider } from "../pipeline/refreshAhead";
import {
  applyRefreshPolicy,
  refreshPolicyIssues,
  refreshPolicyProps,
  type RefreshPolicyOptions,
} from "./refreshing";
import {
  PROFILE_ENDPOINT,
  refreshingProfile,
  type ProfileSessionOptions,
  type RefreshingProfileProvider,
} from "./refreshingProfile";
import { refreshingRole, type RefreshingRoleOptions } from "./refreshingRole";
import { refreshingWebIdentity, type RefreshingWebIdentityOptions } from "./refreshingWebIdentity";
import { clientCache } from "./clientCache";
import type { STSClientConfig } from "@aws-sdk/client-sts";
import type { CallerIdentity } from "../core/callerIdentity";
import { sessionWhoami } from "./whoami";

/**
 * Options of {@link session}: a role to assume, and the region the clients talk to. Its `onEvent`
 * hears the refresh events ({@link RefreshEvent}) and those of the rejection plugin every client of
 * the session has ({@link CredentialRejectionEvent}).
 *
 * @example
 * ```ts
 * import type { SessionOptions } from "aws-refresh-session";
 *
 * const options: SessionOptions = { region: "eu-west-1", roleArn: "arn:aws:iam::123456789012:role/Reader" };
 * ```
 * @category Ready-made
 * @since 0.1.0
 */
export type SessionOptions = HearingRejections<
  RefreshingRoleOptions | RefreshingWebIdentityOptions | SourceSessionOptions | ProfileSessionOptions
> & {
  /** The region of the clients, and of STS unless `stsClient` is given (with `profile`: the profile's region by default). */
  readonly region?: string | undefined;
  /**
   * How many clients {@link Session.client} keeps, the least recently used dropped first: a config
   * made anew at each call (an inline `logger`) builds a new client each time, and an unbounded cache
   * would keep them all. A dropped client is not destroyed, since its caller may still use it; it is
   * collected once nobody holds it. An integer from 1 to 1,000; default 10 (as boto3-refresh-session).
   */
  readonly clientCacheSize?: number | undefined;
};

/**
 * Options whose `onEvent` also hears the rejection plugin every client of the session has (its
 * `rejected` events are not refresh events); distributed over the union, so each kind stays apart.
 */
type HearingRejections<Options> = Options extends unknown
  ? Omit<Options, "onEvent"> & {
      /** Hears refresh events (see {@link RefreshEvent}) and the rejection plugin's ({@link CredentialRejectionEvent}). */
      readonly onEvent?: ((event: RefreshEvent | CredentialRejectionEvent) => void) | undefined;
    }
  : never;

/** boto3-refresh-session's default: more distinct clients than a program usually uses at once. */
const DEFAULT_CLIENT_CACHE_SIZE = 10;

/** The options of the session itself, beside those of its credentials. */
const sessionProps = {
  region: assumeRoleProps.region,
  // A cap, so that "as large as you like" is not a way back to a cache that keeps everything.
  clientCacheSize: /* @__PURE__ */ integerIn(1, 1_000),
};

/**
 * Options of a {@link session} whose credentials come from a source other than a role: container
 * credentials, a custom function, a web identity provider built by hand.
 *
 * @example
 * ```ts
 * import { containerCredentials, type SourceSessionOptions } from "aws-refresh-session";
 *
 * const options: SourceSessionOptions = { source: containerCredentials(), logger: console };
 * ```
 * @category Ready-made
 * @since 0.1.0
 */
export interface SourceSessionOptions extends RefreshPolicyOptions {
  /** Where the credentials come from; refreshed with {@link refreshing}. */
  readonly source: CredentialProvider;
}

/**
 * Anything built like an AWS SDK v3 client: `new ClientClass(config)`, with an optional `destroy()`.
 *
 * @category Ready-made
 * @since 0.1.0
 */
export type ClientClass = abstract new (...args: never[]) => unknown;

/**
 * The configuration a client class takes.
 *
 * @example
 * ```ts
 * import type { S3Client } from "@aws-sdk/client-s3";
 * import type { ConfigOf } from "aws-refresh-session";
 *
 * const config: ConfigOf<typeof S3Client> = { forcePathStyle: true };
 * ```
 * @category Ready-made
 * @since 0.1.0
 */
export type ConfigOf<C extends ClientClass> = NonNullable<ConstructorParameters<C>[0]>;

/**
 * Credentials that refresh themselves, a region, and the clients built with them.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { session, type Session } from "aws-refresh-session";
 *
 * const aws: Session = session({ region: "eu-west-1", roleArn: "arn:aws:iam::123456789012:role/Reader" });
 * const s3 = aws.client(S3Client);
 * ```
 * @category Ready-made
 * @since 0.1.0
 */
export interface Session {
  /** The region the clients are built for (`undefined`: the SDK resolves it from the environment). */
  readonly region: string | undefined;
  /** The shared, self-refreshing credentials: give them to clients built elsewhere too. */
  readonly credentials: RefreshingProvider;
  /**
   * A client of `ClientClass` that uses the shared credentials and the session's region; `config` may
   * override anything, the region included. A key set to `undefined` is not set (`credentials:
   * process.env.X` keeps the session's credentials). The same class with an equal config (plain data
   * by value, functions and class instances by identity) gives the same client back, so asking for it
   * per request costs nothing; the session keeps the `clientCacheSize` clients used last. A circular
   * config is an {@link InvalidOptionsError}. Every client has
   * {@link getCredentialRejectionPlugin} installed (one for the session, so its `rejected` events reach
   * the session's `onEvent` and `logger`): a request whose credentials a service rejects is sent once
   * more with fresh ones.
   */
  client<C extends ClientClass>(ClientClass: C, config?: ConfigOf<C>): InstanceType<C>;
  /**
   * The identity (ARN, account, user id) the session's credentials act as now: for a role, from STS's
   * `AssumeRole` answer, with no call; for a `source`, from one STS `GetCallerIdentity` per access key,
   * sent with the session's region and `clientConfig` (an `endpoint`, say). See {@link whoami}.
   */
  whoami(clientConfig?: Omit<STSClientConfig, "credentials">): Promise<CallerIdentity>;
  /**
   * Stops the credentials' background refresh, destroys every client this session built (closing
   * their sockets), those dropped from its cache included while someone still holds them, and
   * forgets them. `client()` throws from then on.
   */
  destroy(): void;
  /** `destroy()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options that say how to assume a role: with a `source`, there is no role to assume. */
const ROLE_ONLY = [...Object.keys(assumeRoleProps), ...Object.keys(webIdentityProps)].filter(
  (key) => !(key in refreshPolicyProps) && key !== "region",
);

const notWithSource = /* @__PURE__ */ notAnOption(
  "is for assuming a role; with source, the credentials come from the source: give one or the other",
);

const SourceSessionOptionsCodec = /* @__PURE__ */ strictOptions(
  "SourceSessionOptions",
  { source: functionCodec("a credential provider, such as containerCredentials()") },
  {
    ...refreshPolicyProps,
    ...sessionProps,
    ...Object.fromEntries(ROLE_ONLY.map((key) => [key, notWithSource])),
  },
);

/** A session's credentials from a `source`: every option is checked once, here, naming session(). */
const sourceCredentials = (options: SessionOptions): RefreshingProvider => {
  const checked = decodeOptionsAs<SourceSessionOptions & { region?: string; clientCacheSize?: number }>()(
    "session",
    SourceSessionOptionsCodec,
    options,
    (decoded) => refreshPolicyIssues(decoded),
  );
  return applyRefreshPolicy(checked.source, checked, "session");
};

const SessionPropsCodec = /* @__PURE__ */ t.partial(sessionProps);

/**
 * A session's credentials from a role: the role's options are checked by the function that assumes
 * it, the session's own here, and one error names every problem of both.
 */
const roleCredentials = (options: SessionOptions): RefreshingProvider => {
  const { region, clientCacheSize, ...rest } = options;
  const roleOptions = rest as RefreshingRoleOptions | RefreshingWebIdentityOptions;
  // The region is the clients'; STS uses it too (and checks it), unless the caller brought an STS client.
  const regionToSts = roleOptions.stsClient === undefined && region !== undefined;
  const withRegion = regionToSts ? { ...roleOptions, region } : roleOptions;
  const fields = withRegion as unknown as Record<string, unknown>;
  return withSessionOptions(regionToSts ? { clientCacheSize } : { region, clientCacheSize }, () =>
    fields.webIdentityToken !== undefined ||
    fields.webIdentityTokenFile !== undefined ||
    fields.providerId !== undefined
      ? refreshingWebIdentity(withRegion as RefreshingWebIdentityOptions)
      : refreshingRole(withRegion),
  );
};

/**
 * Builds a session's credentials with `build`, which checks its own options, and checks the session's
 * (`own`) beside them: one error names every problem of both, naming session().
 */
const withSessionOptions = <P extends RefreshingProvider>(own: object, build: () => P): P => {
  const decoded = SessionPropsCodec.decode(own);
  const issues: OptionIssue[] = decoded._tag === "Left" ? toIssues(decoded.left) : [];
  let credentials: P | undefined;
  try {
    credentials = build();
  } catch (error) {
    if (!(error instanceof InvalidOptionsError)) throw error;
    issues.push(...error.issues);
  }
  if (credentials === undefined || issues.length > 0) {
    credentials?.dispose();
    throw new InvalidOptionsError("session", issues);
  }
  return credentials;
};

/**
 * A session's credentials from a profile of the shared config files: the profile's options are
 * checked by refreshingProfile, the session's own here, and one error names every problem of both.
 */
const profileCredentials = (options: SessionOptions): RefreshingProfileProvider => {
  const { region, clientCacheSize, ...rest } = options;
  return withSessionOptions({ region, clientCacheSize }, () => refreshingProfile(rest));
};

/**
 * One self-refreshing role session for a whole program, like boto3-refresh-session's
 * `AutoRefreshableSession`: it builds SDK clients that all share one {@link refreshingRole}, so there
 * is one STS call per refresh however many clients and requests there are.
 *
 * Options are checked now, before any network call: bad ones throw an {@link InvalidOptionsError}.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { STSClient } from "@aws-sdk/client-sts";
 * import { session } from "aws-refresh-session";
 *
 * const aws = session({ region: "eu-west-1", roleArn: "arn:aws:iam::123456789012:role/Worker" });
 * const s3 = aws.client(S3Client);
 * const sts = aws.client(STSClient, { maxAttempts: 5 });
 * ```
 * @category Ready-made
 * @since 0.1.0
 */
export const session = (options: SessionOptions): Session => {
  // Types are no promise to callers from JavaScript, or with values read from configuration.
  const given: unknown = options;
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    // Through the codec, for the same message as every other options object that is not one.
    decodeOptions("session", SourceSessionOptionsCodec, given);
  }
  const { clientCacheSize, ...rest } = options;
  let region = options.region;
  let credentials: RefreshingProvider;
  let endpointOf: ((serviceId: string) => string | undefined) | undefined;
  if ("profile" in rest) {
    // A profile of the shared config files: its role chain, and its region unless one is given.
    const fromProfile = profileCredentials(options);
    credentials = fromProfile;
    region ??= fromProfile.region;
    endpointOf = (fromProfile as { [PROFILE_ENDPOINT]?: (serviceId: string) => string | undefined })[
      PROFILE_ENDPOINT
    ];
  } else {
    credentials = "source" in rest ? sourceCredentials(options) : roleCredentials(options);
  }
  // One plugin for every client: they share the credentials, so they share what was learnt about keys.
  const rejectionPlugin = getCredentialRejectionPlugin(credentials, {
    onEvent: options.onEvent,
    logger: options.logger,
  });
  const clients = clientCache(clientCacheSize ?? DEFAULT_CLIENT_CACHE_SIZE);
  let destroyed = false;

  const destroy = (): void => {
    destroyed = true;
    credentials.dispose();
    clients.destroyAll();
  };

  return {
    region,
    credentials,
    client<C extends ClientClass>(ClientClass: C, config?: ConfigOf<C>): InstanceType<C> {
      if (typeof ClientClass !== "function") {
        throw new InvalidOptionsError("session.client", [
          { path: "ClientClass", rule: "an AWS SDK v3 client class, such as S3Client" },
        ]);
      }
      if (destroyed) {
        // A client built now would use credentials that no longer refresh, and destroy() would
        // never reach it.
        throw new Error(
          `session.client(${ClientClass.name || "ClientClass"}): this session was destroyed, and its credentials no longer refresh; build a new session() for new clients`,
        );
      }
      const client = clients.get(ClientClass, config, (set) => {
        const Concrete = ClientClass as unknown as new (config: object) => object;
        // Only the keys set override the session's: `credentials: undefined` is not set.
        const defaults = { ...(region === undefined ? {} : { region }), credentials };
        let built = new Concrete({ ...defaults, ...set });
        // A profile's endpoint for this service, as the AWS CLI uses it with --profile: the SDK reads
        // it only for the profile in AWS_PROFILE, so a client would otherwise leave for AWS itself.
        const serviceId = (built as { config?: { serviceId?: unknown } }).config?.serviceId;
        const endpoint =
          endpointOf === undefined || "endpoint" in set || typeof serviceId !== "string"
            ? undefined
            : endpointOf(serviceId);
        if (endpoint !== undefined) {
          (built as { destroy?: () => void }).destroy?.();
          built = new Concrete({ ...defaults, endpoint, ...set });
        }
        (
          built as { middlewareStack?: { use?: (plugin: typeof rejectionPlugin) => void } }
        ).middlewareStack?.use?.(rejectionPlugin);
        return built;
      });
      return client as InstanceType<C>;
    },
    whoami: (clientConfig) =>
      sessionWhoami(
        credentials,
        region,
        // STS at the profile's endpoint too, unless the caller says otherwise.
        endpointOf?.("STS") === undefined || clientConfig?.endpoint !== undefined
          ? clientConfig
          : { ...clientConfig, endpoint: endpointOf("STS") },
      ),
    destroy,
    [Symbol.asyncDispose]: () => {
      destroy();
      return Promise.resolve();
    },
  };
};
