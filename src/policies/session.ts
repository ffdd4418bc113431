import { assumeRoleProps } from "../sources/roleOptions";
import { webIdentityProps } from "../sources/assumeRoleWithWebIdentity";
import { functionCodec, notAnOption, strictOptions } from "../errors/codecs";
import type { CredentialProvider } from "../core/CredentialProvider";
import { getCredentialRejectionPlugin } from "./getCredentialRejectionPlugin";
import { decodeOptions, decodeOptionsAs, InvalidOptionsError } from "../errors/InvalidOptionsError";
import type { RefreshingProvider } from "../pipeline/refreshAhead";
import {
  refreshingAs,
  refreshPolicyIssues,
  refreshPolicyProps,
  type RefreshPolicyOptions,
} from "./refreshing";
import { refreshingProfileAs, type ProfileSessionOptions } from "./refreshingProfile";
import { refreshingRoleAs, type RefreshingRoleOptions } from "./refreshingRole";
import { refreshingWebIdentityAs, type RefreshingWebIdentityOptions } from "./refreshingWebIdentity";

/**
 * Options of {@link session}: a role to assume, and the region the clients talk to.
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
export type SessionOptions = (
  RefreshingRoleOptions | RefreshingWebIdentityOptions | SourceSessionOptions | ProfileSessionOptions
) & {
  /** The region of the clients, and of STS unless `stsClient` is given (with `profile`: the profile's region by default). */
  readonly region?: string | undefined;
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
   * override anything, the region included. The same class with an equal config gives the same
   * client back, so asking for it per request costs nothing. Every client has
   * {@link getCredentialRejectionPlugin} installed (one for the session, so its `rejected` events reach
   * the session's `onEvent` and `logger`): a request whose credentials a service rejects is sent once
   * more with fresh ones.
   */
  client<C extends ClientClass>(ClientClass: C, config?: ConfigOf<C>): InstanceType<C>;
  /**
   * Stops the credentials' background refresh, destroys every client this session built (closing
   * their sockets) and forgets them. `client()` throws from then on.
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
    region: assumeRoleProps.region,
    ...Object.fromEntries(ROLE_ONLY.map((key) => [key, notWithSource])),
  },
);

/** Identity of non-plain values (functions, class instances) inside a client config, for cache keys. */
const identities = new WeakMap<object, number>();
let nextIdentity = 0;
const identityOf = (value: object): number => {
  let id = identities.get(value);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(value, id);
  }
  return id;
};

/** A key equal for configs that are equal as data, with functions and class instances by identity. */
const configKey = (value: unknown): string => {
  if (value === null || typeof value !== "object") {
    if (typeof value === "function") return `f#${identityOf(value)}`;
    // No config at all is the same as an empty one.
    if (value === undefined) return "{}";
    return typeof value === "symbol" || typeof value === "bigint" ? String(value) : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(configKey).join(",")}]`;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return `o#${identityOf(value)}`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${configKey(record[key])}`)
    .join(",")}}`;
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
  const { region: givenRegion, ...rest } = options;
  let region = givenRegion;
  if (region !== undefined) decodeOptions("session", assumeRoleProps.region, region);
  let credentials: RefreshingProvider;
  if ("profile" in rest) {
    // A profile of the shared config files: its role chain, and its region unless one is given.
    const fromProfile = refreshingProfileAs(rest, "session");
    credentials = fromProfile;
    region ??= fromProfile.region;
  } else if ("source" in rest) {
    // Checked here, so that errors name session(), the function the caller called.
    const { source, ...policy } = decodeOptionsAs<SourceSessionOptions & { region?: string }>()(
      "session",
      SourceSessionOptionsCodec,
      options,
    );
    const issues = refreshPolicyIssues(policy);
    if (issues.length > 0) throw new InvalidOptionsError("session", issues);
    // Only the refresh policy goes on: role options given as undefined are no options of refreshing().
    const given = policy as Record<string, unknown>;
    const refreshPolicy = Object.fromEntries(
      Object.keys(refreshPolicyProps)
        .filter((key) => given[key] !== undefined)
        .map((key) => [key, given[key]]),
    ) as RefreshPolicyOptions;
    credentials = refreshingAs(source, refreshPolicy, "session");
  } else {
    // The region is the clients'; STS uses it too, unless the caller brought an STS client of its own.
    const roleOptions = rest as RefreshingRoleOptions | RefreshingWebIdentityOptions;
    const withRegion =
      roleOptions.stsClient === undefined && region !== undefined ? { ...roleOptions, region } : roleOptions;
    const given = withRegion as unknown as Record<string, unknown>;
    credentials =
      given.webIdentityToken !== undefined ||
      given.webIdentityTokenFile !== undefined ||
      given.providerId !== undefined
        ? refreshingWebIdentityAs(withRegion as RefreshingWebIdentityOptions, "session")
        : refreshingRoleAs(withRegion, "session");
  }
  // One plugin for every client: they share the credentials, so they share what was learnt about keys.
  const rejectionPlugin = getCredentialRejectionPlugin(credentials, {
    onEvent: options.onEvent,
    logger: options.logger,
  });
  const clients = new Map<unknown, Map<string, unknown>>();
  let destroyed = false;

  const destroy = (): void => {
    destroyed = true;
    credentials.dispose();
    for (const byConfig of clients.values()) {
      for (const client of byConfig.values()) (client as { destroy?: () => void }).destroy?.();
    }
    clients.clear();
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
      let byConfig = clients.get(ClientClass);
      if (byConfig === undefined) {
        byConfig = new Map();
        clients.set(ClientClass, byConfig);
      }
      const key = configKey(config);
      let client = byConfig.get(key);
      if (client === undefined) {
        const Concrete = ClientClass as unknown as new (config: object) => InstanceType<C>;
        client = new Concrete({
          ...(region === undefined ? {} : { region }),
          credentials,
          ...(config as object | undefined),
        });
        (
          client as { middlewareStack?: { use?: (plugin: typeof rejectionPlugin) => void } }
        ).middlewareStack?.use?.(rejectionPlugin);
        byConfig.set(key, client);
      }
      return client as InstanceType<C>;
    },
    destroy,
    [Symbol.asyncDispose]: () => {
      destroy();
      return Promise.resolve();
    },
  };
};
