/**
 * Who a provider's credentials act as: from what the source recorded (an assumed role's answer names
 * it), or from one STS `GetCallerIdentity` call per access key.
 *
 * @packageDocumentation
 */
import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { recordedIdentity, recordIdentity, type CallerIdentity } from "../core/callerIdentity";
import type { CredentialProvider, Credentials } from "../core/CredentialProvider";
import { functionCodec, objectCodec, stringOf, strictOptions } from "../errors/codecs";
import { CredentialRefreshError } from "../errors/CredentialRefreshError";
import { decodeOptions, decodeOptionsAs, InvalidOptionsError } from "../errors/InvalidOptionsError";
import { asCredentialRefreshError } from "../errors/isRetryableError";
import type { RefreshingProvider } from "../pipeline/refreshAhead";
import type { AssumeRoleOptions } from "../sources/roleOptions";

/**
 * Options of {@link whoami}: where to send `GetCallerIdentity` when the credentials do not say who
 * they are. The call is signed with the credentials asked about, never with `clientConfig.credentials`.
 *
 * @example
 * ```ts
 * import type { WhoamiOptions } from "aws-refresh-session";
 *
 * const options: WhoamiOptions = { region: "eu-west-1", clientConfig: { endpoint: "https://sts.eu-west-1.amazonaws.com" } };
 * ```
 * @category Sources
 * @since 0.2.0
 */
export interface WhoamiOptions {
  /** The region of the STS endpoint. Default: the SDK's (from the environment or profile). */
  readonly region?: string | undefined;
  /** Configuration of the STS client built for the call: `endpoint`, `requestHandler`, and so on. */
  readonly clientConfig?: Omit<STSClientConfig, "credentials"> | undefined;
}

/**
 * A refreshing provider that acts as an assumed role, and says which.
 *
 * @example
 * ```ts
 * import { refreshingRole, type RoleSessionProvider } from "aws-refresh-session";
 *
 * const credentials: RoleSessionProvider = refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" });
 * const { arn } = await credentials.whoami();
 * ```
 * @category Ready-made
 * @since 0.2.0
 */
export interface RoleSessionProvider extends RefreshingProvider {
  /** The identity the current credentials act as; see {@link whoami}. */
  whoami(): Promise<CallerIdentity>;
}

const WhoamiOptionsCodec = /* @__PURE__ */ strictOptions(
  "WhoamiOptions",
  {},
  {
    region: stringOf(1, 64, /^[a-z0-9-]+$/, "an AWS region name such as eu-west-1"),
    clientConfig: objectCodec("an object of STSClient configuration"),
  },
);

/** Per provider, the last key asked about and its answer (shared while in flight): one call per key. */
const lastAnswer = new WeakMap<
  CredentialProvider,
  { readonly accessKeyId: string; readonly identity: Promise<CallerIdentity> }
>();

const askSts = async (credentials: Credentials, options: WhoamiOptions): Promise<CallerIdentity> => {
  const client = new STSClient({
    ...options.clientConfig,
    ...(options.region === undefined ? {} : { region: options.region }),
    // Exactly these credentials: not the provider, which may have moved on to the next key.
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }),
    },
  });
  try {
    const answer = await client.send(new GetCallerIdentityCommand({}));
    const { Arn, Account, UserId } = answer;
    if (Arn === undefined || Account === undefined || UserId === undefined) {
      throw new CredentialRefreshError(
        "STS GetCallerIdentity answered without Arn, Account or UserId: is the endpoint an STS endpoint?",
        { retryable: false },
      );
    }
    return { arn: Arn, account: Account, userId: UserId };
  } catch (error) {
    throw asCredentialRefreshError(error, {
      context: `STS GetCallerIdentity for ${credentials.accessKeyId}`,
    });
  } finally {
    client.destroy();
  }
};

/**
 * Who the provider's current credentials act as: as recorded with them, or asked of STS once per key.
 * What {@link whoami} does once it has checked its arguments.
 */
const identityOf = async (provider: CredentialProvider, options: WhoamiOptions): Promise<CallerIdentity> => {
  const credentials = await provider();
  const known = recordedIdentity(credentials);
  if (known !== undefined) return known;
  const last = lastAnswer.get(provider);
  if (last?.accessKeyId === credentials.accessKeyId) return last.identity;
  const identity = askSts(credentials, options);
  const entry = { accessKeyId: credentials.accessKeyId, identity };
  lastAnswer.set(provider, entry);
  try {
    const answered = await identity;
    recordIdentity(credentials, answered);
    return answered;
  } catch (error) {
    // A failure is not remembered: the next question asks again.
    if (lastAnswer.get(provider) === entry) lastAnswer.delete(provider);
    throw error;
  }
};

/**
 * The identity (ARN, account, user id) the credentials of `provider` act as now, like
 * `aws sts get-caller-identity` and boto3-refresh-session's `whoami()`. Credentials from an assumed
 * role carry it from STS's answer, so asking costs nothing; for any other source, STS
 * `GetCallerIdentity` is called once per access key (signed with that key) and the answer kept with it.
 * `session()` and the providers that assume a role have it as a method.
 *
 * @example
 * ```ts
 * import { containerCredentials, refreshing, whoami } from "aws-refresh-session";
 *
 * const credentials = refreshing(containerCredentials());
 * const { arn, account } = await whoami(credentials, { region: "eu-west-1" });
 * ```
 * @category Sources
 * @since 0.2.0
 */
export const whoami = (
  provider: CredentialProvider,
  options: WhoamiOptions = {},
): Promise<CallerIdentity> => {
  decodeOptions("whoami", functionCodec("a credential provider"), provider);
  const decoded = decodeOptionsAs<WhoamiOptions>()("whoami", WhoamiOptionsCodec, options, (checked) =>
    (checked.clientConfig as { credentials?: unknown } | undefined)?.credentials === undefined
      ? []
      : [
          {
            path: "clientConfig.credentials",
            rule: "is not an option: the call is signed with the credentials asked about",
          },
        ],
  );
  return identityOf(provider, decoded);
};

/**
 * Where a role provider asks STS who it is, when its credentials do not say (read from a shared
 * cache): the role's own STS endpoint and region, without the caller's credentials.
 *
 * @internal
 */
export const roleWhoamiOptions = (
  options: Pick<AssumeRoleOptions, "region" | "clientConfig" | "stsClient">,
): WhoamiOptions => {
  const { credentials: _caller, ...clientConfig } = options.clientConfig ?? {};
  const fromClient = options.stsClient?.config as { region?: unknown } | undefined;
  const region = options.region ?? (typeof fromClient?.region === "string" ? fromClient.region : undefined);
  return { ...(region === undefined ? {} : { region }), clientConfig };
};

/**
 * `provider` with a `whoami()` method, asking with options built from the role's checked ones. Not
 * through {@link whoami}, whose check would bring its codec into every program with a role provider.
 *
 * @internal
 */
export const withWhoami = (provider: RefreshingProvider, options: WhoamiOptions): RoleSessionProvider =>
  Object.assign(provider, { whoami: () => identityOf(provider, options) });

/**
 * `session().whoami()`: the role provider's own `whoami()`, or {@link whoami} with the session's region
 * and `clientConfig`, when given, for the `GetCallerIdentity` call.
 *
 * @internal
 */
export const sessionWhoami = (
  credentials: RefreshingProvider,
  region: string | undefined,
  clientConfig: Omit<STSClientConfig, "credentials"> | undefined,
): Promise<CallerIdentity> => {
  const own = (credentials as Partial<RoleSessionProvider>).whoami;
  if (clientConfig === undefined && typeof own === "function") return own();
  return whoami(credentials, {
    ...(region === undefined ? {} : { region }),
    ...(clientConfig === undefined ? {} : { clientConfig }),
  }).catch((error: unknown) => {
    // Errors name session.whoami, the method the caller called.
    throw error instanceof InvalidOptionsError
      ? new InvalidOptionsError("session.whoami", error.issues)
      : error;
  });
};
