/**
 * A client plugin for the moment a service rejects credentials that our cache still holds: the key
 * is invalidated, and the request is signed again with fresh credentials and sent once more, inside
 * the SDK's middleware stack.
 */
import { telemetryOf } from "../telemetry/credentialMetrics";
import { getSmithyContext } from "@smithy/core";
import type {
  AwsCredentialIdentity,
  FinalizeHandlerArguments,
  FinalizeRequestMiddleware,
  HandlerExecutionContext,
  Logger,
  MetadataBearer,
  Pluggable,
  RelativeMiddlewareOptions,
  SelectedHttpAuthScheme,
} from "@smithy/types";
import { ListenerCodec, LoggerCodec, strictOptions } from "../errors/codecs";
import type { Credentials, ProviderOptions } from "../core/CredentialProvider";
import { keyHint } from "../pipeline/refreshEvent";
import { decodeOptionsAs, InvalidOptionsError } from "../errors/InvalidOptionsError";
import type { RefreshingProvider } from "../pipeline/refreshAhead";
import { safeListener } from "../core/safeListener";

/**
 * The error codes with which AWS services reject the credentials themselves, not what they may do:
 * an expired or revoked session token, a key the service does not recognise. `AccessDenied` is not
 * one of them: it is about permissions, and fresh credentials of the same role would be denied too.
 *
 * @example
 * ```ts
 * import { CREDENTIAL_REJECTION_ERROR_CODES } from "aws-refresh-session";
 *
 * CREDENTIAL_REJECTION_ERROR_CODES.has("ExpiredToken"); // true
 * CREDENTIAL_REJECTION_ERROR_CODES.has("AccessDenied"); // false
 * ```
 * @category SDK integration
 * @since 0.2.0
 */
export const CREDENTIAL_REJECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidToken",
  "InvalidClientTokenId",
]);

/**
 * What {@link getCredentialRejectionPlugin} tells its `onEvent` listener: a service answered that it
 * rejects the credentials, once per key, before the key is invalidated. It is the plugin's own event,
 * not a {@link RefreshEvent}: the provider's listener then hears `invalidated` and the refresh. Never
 * carries a secret.
 *
 * @example
 * ```ts
 * import type { CredentialRejectionEvent } from "aws-refresh-session";
 *
 * const onEvent = (event: CredentialRejectionEvent) => console.warn(`key ****${event.keyHint} rejected: ${event.code}`);
 * ```
 * @category SDK integration
 * @since 0.3.0
 */
export interface CredentialRejectionEvent {
  readonly type: "rejected";
  /** The last four characters of the rejected access key id. */
  readonly keyHint: string;
  /** The service's error code: `ExpiredToken`, `InvalidClientTokenId`, ... */
  readonly code: string;
}

/**
 * Options of {@link getCredentialRejectionPlugin}.
 *
 * @example
 * ```ts
 * import type { CredentialRejectionPluginOptions } from "aws-refresh-session";
 *
 * const options: CredentialRejectionPluginOptions = { logger: console, onEvent: (event) => console.log(event.type) };
 * ```
 * @category SDK integration
 * @since 0.2.0
 */
export interface CredentialRejectionPluginOptions {
  /**
   * Hears a {@link CredentialRejectionEvent} the first time a service rejects a key, before the key is
   * invalidated; the provider's own listener then hears `invalidated` and the refresh.
   */
  readonly onEvent?: ((event: CredentialRejectionEvent) => void) | undefined;
  /** An SDK-style logger (`console` will do): a warning per rejected key, and per request not sent again. */
  readonly logger?: Logger | undefined;
}

const OptionsCodec = /* @__PURE__ */ strictOptions(
  "CredentialRejectionPluginOptions",
  {},
  {
    onEvent: ListenerCodec,
    logger: LoggerCodec,
  },
);

/**
 * Each provider's plugin has middlewares of its own names: the plugin of one provider added twice to
 * a client replaces itself, and plugins of two providers both stay, each minding its own keys.
 */
const pluginIds = /* @__PURE__ */ new WeakMap<object, number>();
let lastPluginId = 0;
const pluginIdOf = (credentials: object): number => {
  let id = pluginIds.get(credentials);
  if (id === undefined) {
    id = ++lastPluginId;
    pluginIds.set(credentials, id);
  }
  return id;
};

/** The two middlewares' places: see the README ("When a service rejects the credentials"). */
const resendOptions = (id: number): RelativeMiddlewareOptions => ({
  name: `credentialRejectionMiddleware#${id}`,
  // Inside the retry loop, right before signing: each attempt passes here with the identity chosen by
  // httpAuthSchemeMiddleware (serialize step), and a replaced identity is signed by the next step.
  relation: "before",
  toMiddleware: "httpSigningMiddleware",
  tags: ["CREDENTIAL_REJECTION"],
  override: true,
});
const attemptsOptions = (id: number): RelativeMiddlewareOptions => ({
  name: `credentialRejectionAttemptsMiddleware#${id}`,
  // Outside the retry loop, which writes $metadata.attempts: the request sent once more is added to it.
  relation: "before",
  toMiddleware: "retryMiddleware",
  tags: ["CREDENTIAL_REJECTION"],
  override: true,
});

/** How many rejected keys the plugin remembers. */
const REMEMBERED_KEYS = 64;

/** What one operation (one `client.send`) did: it is sent once more at most. */
interface OperationState {
  resent: number;
}

/** The rejection code of a service error, or undefined when it is no rejection of the credentials. */
const rejectionCodeOf = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null) return undefined;
  const record = error as { name?: unknown; Code?: unknown };
  for (const code of [record.Code, record.name]) {
    if (typeof code === "string" && CREDENTIAL_REJECTION_ERROR_CODES.has(code)) return code;
  }
  return undefined;
};

/**
 * Whether a request's body can be sent again: bytes and strings can; a stream has been read by the
 * first attempt (the SDK's retry strategy does not retry one either).
 */
const replayable = (request: unknown): boolean => {
  const body = (request as { body?: unknown } | undefined)?.body;
  return (
    body === undefined ||
    body === null ||
    typeof body === "string" ||
    ArrayBuffer.isView(body) ||
    body instanceof ArrayBuffer ||
    (typeof Blob !== "undefined" && body instanceof Blob)
  );
};

const isAwsCredentials = (identity: unknown): identity is AwsCredentialIdentity =>
  typeof identity === "object" &&
  identity !== null &&
  typeof (identity as { accessKeyId?: unknown }).accessKeyId === "string";

/**
 * A client plugin that recovers from credentials a service rejects although our cache still holds
 * them (a session revoked, a key rotated under a custom source, a clock behind AWS's by more than the
 * mandatory window). On
 * an error whose code is one of {@link CREDENTIAL_REJECTION_ERROR_CODES}, for a request signed with a
 * key from `credentials`, it:
 *
 * 1. emits `rejected` (the key's last 4 characters and the code), once per key;
 * 2. calls `credentials.invalidate(key)`: concurrent rejections of one key share one refresh, and a
 *    key already replaced is not invalidated again;
 * 3. resolves fresh credentials, signs the request again with them and sends it once more: one
 *    resend per request at most, and none for a body that cannot be replayed (a stream already read),
 *    whose error is returned as it came, the key invalidated all the same.
 *
 * Requests of the same client that would be signed with a key it saw rejected are signed with fresh
 * credentials instead, so a rejected key is not sent again. Keys that are not from `credentials`
 * (a client with other credentials) are left alone: whether a key is ours is decided by
 * `credentials.holds(key)`, which compares with the keys the provider holds or handed out and never
 * calls its source, so such a client never waits on the session's STS. The request sent once more is
 * counted in `$metadata.attempts`, which keeps counting every HTTP request the operation made.
 *
 * When fresh keys are rejected too (a policy that denies the session, a token the region does not
 * accept), the provider counts that as a failed refresh and backs off: a steady rejection costs a
 * trickle of calls to the source, reported as `refresh-failure` events, not a call per request.
 *
 * The plugin of one provider, added to a client twice, replaces itself. Plugins of different
 * providers on one client all stay, each minding the keys of its own provider.
 *
 * `session().client()` installs it on every client it builds; add it to clients you build yourself.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { getCredentialRejectionPlugin, refreshingRole } from "aws-refresh-session";
 *
 * const credentials = refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Worker", region: "eu-west-1" });
 * const s3 = new S3Client({ region: "eu-west-1", credentials });
 * s3.middlewareStack.use(getCredentialRejectionPlugin(credentials, { logger: console }));
 * ```
 * @category SDK integration
 * @since 0.2.0
 */
export const getCredentialRejectionPlugin = <
  Input extends object = object,
  Output extends MetadataBearer = MetadataBearer,
>(
  credentials: RefreshingProvider,
  options: CredentialRejectionPluginOptions = {},
): Pluggable<Input, Output> => {
  const given: unknown = credentials;
  if (
    typeof given !== "function" ||
    typeof (given as { invalidate?: unknown }).invalidate !== "function" ||
    typeof (given as { holds?: unknown }).holds !== "function"
  ) {
    throw new InvalidOptionsError("getCredentialRejectionPlugin", [
      {
        path: "credentials",
        rule: "a refreshing provider with invalidate() and holds(), such as refreshingRole(...) or session(...).credentials",
      },
    ]);
  }
  const { onEvent, logger } = decodeOptionsAs<CredentialRejectionPluginOptions>()(
    "getCredentialRejectionPlugin",
    OptionsCodec,
    options,
  );
  const notify = onEvent === undefined ? undefined : safeListener("onEvent", onEvent);
  const warn =
    logger === undefined
      ? undefined
      : safeListener("logger", (line: string) => {
          logger.warn(line);
        });

  const id = pluginIdOf(credentials);
  /** The provider's OpenTelemetry listener, which counts rejections (none when it records nothing). */
  const telemetry = telemetryOf(credentials);
  /** Keys a service rejected, oldest first. */
  const rejectedKeys = new Set<string>();
  const rememberRejected = (accessKeyId: string): void => {
    rejectedKeys.add(accessKeyId);
    if (rejectedKeys.size > REMEMBERED_KEYS) {
      const oldest = rejectedKeys.values().next().value;
      if (oldest !== undefined) rejectedKeys.delete(oldest);
    }
  };
  const operations = new WeakMap<HandlerExecutionContext, OperationState>();
  const operationOf = (context: HandlerExecutionContext): OperationState => {
    let state = operations.get(context);
    if (state === undefined) {
      state = { resent: 0 };
      operations.set(context, state);
    }
    return state;
  };

  const providerOptions = (context: HandlerExecutionContext): ProviderOptions => {
    const signal = (getSmithyContext(context) as { abortSignal?: AbortSignal }).abortSignal;
    return signal === undefined ? {} : { signal };
  };
  /** The provider's current credentials, for a request of ours; undefined if it fails (the SDK will say why). */
  const current = async (context: HandlerExecutionContext): Promise<Credentials | undefined> => {
    try {
      return await credentials(providerOptions(context));
    } catch {
      // Nothing better to sign with: the request goes on with the identity it has, and the
      // provider's error reaches the next caller that needs credentials.
      return undefined;
    }
  };

  const resend: FinalizeRequestMiddleware<Input, Output> =
    (next, context) => async (args: FinalizeHandlerArguments<Input>) => {
      const smithy = getSmithyContext(context) as { selectedHttpAuthScheme?: SelectedHttpAuthScheme };
      const scheme = smithy.selectedHttpAuthScheme;
      if (scheme === undefined || !isAwsCredentials(scheme.identity)) return next(args);
      let signedWith = scheme.identity.accessKeyId;
      // Decided without calling the provider: a client with keys of its own never waits on our source.
      if (!rejectedKeys.has(signedWith) && !credentials.holds(signedWith)) return next(args);
      if (rejectedKeys.has(signedWith)) {
        // Never sign again with a key a service rejected: the provider has (or is getting) a new one.
        const fresh = await current(context);
        if (fresh !== undefined && !rejectedKeys.has(fresh.accessKeyId)) {
          smithy.selectedHttpAuthScheme = { ...scheme, identity: fresh };
          signedWith = fresh.accessKeyId;
        }
      }

      const attempt = async (): Promise<Awaited<ReturnType<typeof next>>> => {
        try {
          return await next(args);
        } catch (error) {
          const code = rejectionCodeOf(error);
          if (code === undefined) throw error;
          if (!rejectedKeys.has(signedWith)) {
            rememberRejected(signedWith);
            notify?.({ type: "rejected", keyHint: keyHint(signedWith), code });
            warn?.(
              `aws-refresh-session: a service rejected the key ending ${keyHint(signedWith)} (${code}): invalidating it`,
            );
          }
          credentials.invalidate(signedWith);
          const operation = operationOf(context);
          // A resent request rejected again is counted once, as a failed resend, below.
          if (operation.resent > 0) throw error;
          if (!replayable(args.request)) {
            warn?.(
              `aws-refresh-session: the request rejected with ${code} is not sent again: its body is a stream that was already read`,
            );
            telemetry?.rejected(code, "none");
            throw error;
          }
          const fresh = await current(context);
          const selected = smithy.selectedHttpAuthScheme;
          if (fresh === undefined || rejectedKeys.has(fresh.accessKeyId) || selected === undefined) {
            telemetry?.rejected(code, "none");
            throw error;
          }
          // Later attempts of the SDK's retry strategy sign with the fresh identity too.
          smithy.selectedHttpAuthScheme = { ...selected, identity: fresh };
          signedWith = fresh.accessKeyId;
          operation.resent += 1;
          try {
            const resent = await attempt();
            telemetry?.rejected(code, "succeeded");
            return resent;
          } catch (resendError) {
            telemetry?.rejected(code, "failed");
            throw resendError;
          }
        }
      };
      return attempt();
    };

  const countAttempts: FinalizeRequestMiddleware<Input, Output> = (next, context) => async (args) => {
    const add = (metadata: { attempts?: number } | undefined): void => {
      const resent = operations.get(context)?.resent ?? 0;
      if (metadata !== undefined && resent > 0) metadata.attempts = (metadata.attempts ?? 1) + resent;
    };
    try {
      const result = await next(args);
      add(result.output.$metadata);
      return result;
    } catch (error) {
      add((error as { $metadata?: { attempts?: number } } | null)?.$metadata);
      throw error;
    }
  };

  return {
    applyToStack: (stack) => {
      stack.addRelativeTo(countAttempts, attemptsOptions(id));
      stack.addRelativeTo(resend, resendOptions(id));
    },
  };
};
