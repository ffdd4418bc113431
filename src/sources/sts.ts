/**
 * What every STS-based source shares: the client it calls, how a failure becomes a
 * {@link CredentialRefreshError}, and how a response becomes {@link Credentials}. Internal: the public
 * API is the sources built on it.
 *
 * @packageDocumentation
 */
import {
  STSClient,
  type AssumeRoleCommand,
  type AssumeRoleWithWebIdentityCommand,
  type STSClientConfig,
} from "@aws-sdk/client-sts";
import { getSmithyContext } from "@smithy/core";
import type { DeserializeMiddleware, HttpResponse, MiddlewareStack } from "@smithy/types";
import { isLeft } from "../core/isLeft";
import * as t from "io-ts";
import { failedFields, NonEmptyString, ValidDate } from "../errors/codecs";
import { CredentialRefreshError, describeError } from "../errors/CredentialRefreshError";
import type { Clock } from "../core/Clock";
import { STS_FEATURE, withFeatures } from "../telemetry/credentialFeatures";
import {
  redactSecrets,
  type CredentialProvider,
  type Credentials,
  type ProviderOptions,
} from "../core/CredentialProvider";
import { CREDENTIAL_REJECTION_ERROR_CODES } from "../policies/getCredentialRejectionPlugin";
import { nameSource } from "../core/sourceName";
import { asCredentialRefreshError, attemptsOf, isAbortError } from "../errors/isRetryableError";
import { hideKeysAndTokens } from "../core/secretText";
import { redactingLogger } from "../core/redactingLogger";
import type { Logger } from "@smithy/types";
import { identityOfAssumedRole, recordIdentity } from "../core/callerIdentity";
import type { AssumeRoleOptions } from "./roleOptions";

/**
 * What an STS endpoint answered, as bytes on the wire: kept per call, so that an answer that is not an
 * STS response at all (a proxy's HTML page, an empty body) can be described instead of reported as
 * "missing Credentials".
 *
 * @internal
 */
export interface RawAnswer {
  status?: number;
  contentType?: string;
  body?: string;
  /** The access key id the request was signed with, when it was signed. */
  signedWith?: string;
}

const readBody = async (body: unknown): Promise<Uint8Array | undefined> => {
  if (body === undefined || body === null) return new Uint8Array();
  if (body instanceof Uint8Array) return body;
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<unknown>) {
      chunks.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : (chunk as Uint8Array));
    }
    return Buffer.concat(chunks);
  }
  return undefined;
};

/**
 * Adds to `command` a middleware that reads the HTTP answer's body before the SDK parses it (and hands
 * the SDK the same bytes), recording the status, the content type and the body in `raw`. Commands of
 * any STS client have a middleware stack; a stand-in client without one is left alone.
 *
 * @internal
 */
export const recordRawAnswer = <C extends object>(command: C, raw: RawAnswer): C => {
  const stack = (command as { middlewareStack?: MiddlewareStack<object, object> }).middlewareStack;
  if (stack === undefined || typeof stack.add !== "function") return command;
  const record: DeserializeMiddleware<object, object> = (next, context) => async (args) => {
    const identity = (getSmithyContext(context) as { selectedHttpAuthScheme?: { identity?: unknown } })
      .selectedHttpAuthScheme?.identity;
    const signedWith = (identity as { accessKeyId?: unknown } | undefined)?.accessKeyId;
    if (typeof signedWith === "string") raw.signedWith = signedWith;
    const result = await next(args);
    const response = result.response as Partial<HttpResponse> | undefined;
    if (response !== undefined && typeof response.statusCode === "number") {
      raw.status = response.statusCode;
      const contentType = response.headers?.["content-type"] ?? response.headers?.["Content-Type"];
      if (contentType !== undefined) raw.contentType = contentType;
      const bytes = await readBody(response.body);
      if (bytes !== undefined) {
        response.body = bytes;
        raw.body = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096)).toString(
          "utf8",
        );
      }
    }
    return result;
  };
  // "low": inside the SDK's deserializer, so this sees the answer first.
  stack.add(record, { step: "deserialize", priority: "low", name: "awsRefreshSessionRawAnswer" });
  return command;
};

/**
 * An answer that is not an STS response at all: no `<ActionResponse>` or `<ErrorResponse>` element
 * (an HTML page, JSON, an empty body). Described for what it is; still retryable, as every answer
 * whose code is not non-recoverable: a proxy's page or a captive portal can be gone a minute later, and
 * a caller holding valid credentials must not fail for it.
 */
const notAnStsAnswer = (action: string, raw: RawAnswer | undefined): string | undefined => {
  if (raw?.body === undefined) return undefined;
  if (new RegExp(`<(\\w+:)?(${action}Response|ErrorResponse)[\\s>]`).test(raw.body)) return undefined;
  const status = raw.status === undefined ? "" : `HTTP ${raw.status} `;
  const type = raw.contentType === undefined ? "no content type" : `content type ${raw.contentType}`;
  const text = raw.body.replace(/\s+/g, " ").trim();
  if (text.length === 0) {
    return `STS ${action} answered ${status}with an empty body (${type}), not an STS response`;
  }
  const shown = hideKeysAndTokens(text).slice(0, 80);
  return (
    `STS ${action} answered ${status}with something that is not an STS response (${type}, ` +
    `starting ${JSON.stringify(shown)}${text.length > 80 ? "..." : ""})`
  );
};

const NOT_STS_HINT = "; is the endpoint an STS endpoint, or is a proxy answering for it?";

/** The account is the fifth field of `arn:aws:sts::123456789012:assumed-role/Name/session`. */
const accountOf = (arn: string | undefined): string | undefined => {
  const account = arn?.split(":")[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
};

const AssumeRoleResponse = /* @__PURE__ */ t.intersection([
  t.type({
    Credentials: t.type({
      AccessKeyId: NonEmptyString,
      SecretAccessKey: NonEmptyString,
      SessionToken: NonEmptyString,
      Expiration: ValidDate,
    }),
  }),
  t.partial({ AssumedRoleUser: t.partial({ Arn: t.string, AssumedRoleId: t.string }) }),
]);

/**
 * Checks an STS response that should carry credentials and maps it to {@link Credentials}. A response
 * without credentials, or with an unparseable or past expiration, or that is not STS's at all, is a
 * {@link CredentialRefreshError} (retryable: it is the server's fault, and the next answer may be
 * right). Paths, never values, are named, so secrets cannot reach the message.
 *
 * @internal
 */
export const credentialsFromStsResponse = (
  action: string,
  subject: string,
  response: unknown,
  now: number,
  raw?: RawAnswer,
): Credentials => {
  const decoded = AssumeRoleResponse.decode(response);
  if (isLeft(decoded)) {
    const foreign = notAnStsAnswer(action, raw);
    if (foreign !== undefined) {
      throw new CredentialRefreshError(`${foreign} for ${subject}${NOT_STS_HINT}`, { retryable: true });
    }
    throw new CredentialRefreshError(
      `STS ${action} for ${subject} returned no usable credentials: invalid or missing ${failedFields(decoded.left).join(", ")}`,
      { retryable: true },
    );
  }
  const { Credentials: issued, AssumedRoleUser } = decoded.right;
  if (issued.Expiration.getTime() <= now) {
    throw new CredentialRefreshError(
      `STS ${action} for ${subject} returned credentials that expired at ${issued.Expiration.toISOString()}, ` +
        `not after now (${new Date(now).toISOString()}); check this machine's clock`,
      { retryable: true },
    );
  }
  const accountId = accountOf(AssumedRoleUser?.Arn);
  const credentials = redactSecrets({
    accessKeyId: issued.AccessKeyId,
    secretAccessKey: issued.SecretAccessKey,
    sessionToken: issued.SessionToken,
    expiration: issued.Expiration,
    ...(accountId === undefined ? {} : { accountId }),
  });
  // Who they act as comes with them: whoami() needs no GetCallerIdentity call.
  const identity = identityOfAssumedRole(AssumedRoleUser);
  if (identity !== undefined) recordIdentity(credentials, identity);
  return credentials;
};

/**
 * Wraps a failed STS call in a {@link CredentialRefreshError}, classified by the one rule
 * ({@link isRetryableError}: only the non-recoverable codes are not retryable), with the attempts the
 * STS client made. A 2xx answer the SDK could not parse (cut off, garbled, not STS's) is described
 * for what it was and is retryable. An abort is passed through untouched: the caller asked for it.
 *
 * @internal
 */
export const stsFailure = (
  action: string,
  subject: string,
  error: unknown,
  raw?: RawAnswer,
  attempts: number = attemptsOf(error),
): unknown => {
  if (isAbortError(error)) return error;
  if (error instanceof CredentialRefreshError) return asCredentialRefreshError(error, { attempts });
  if (raw?.status !== undefined && raw.status < 300) {
    // A 2xx answer the SDK could not parse. Not STS's at all: say what it was. STS's, but cut off or
    // garbled: say so, without the SDK's advice to look at the raw answer, which is not kept.
    const foreign = notAnStsAnswer(action, raw);
    const what =
      foreign ??
      `STS ${action} answered HTTP ${raw.status} with a body that could not be read (cut off or garbled: ` +
        `${describeError(error).split("\n")[0] ?? ""})`;
    return new CredentialRefreshError(`${what} for ${subject}${foreign === undefined ? "" : NOT_STS_HINT}`, {
      retryable: true,
      attempts,
      cause: error,
    });
  }
  // An error status with a body that is not STS's (a proxy's 403 page, a load balancer's 502): the SDK
  // can only call it "Unknown"; say what came back instead.
  const foreign = raw?.status === undefined ? undefined : notAnStsAnswer(action, raw);
  if (foreign !== undefined) {
    return new CredentialRefreshError(`${foreign} for ${subject}${NOT_STS_HINT}`, {
      retryable: true,
      attempts,
      cause: error,
    });
  }
  return asCredentialRefreshError(error, { context: `STS ${action} for ${subject}`, attempts });
};

/** What the SDK passes a credential provider about the client it serves (`callerClientConfig`). */
interface CallerClientConfig {
  readonly region?: unknown;
  readonly requestHandler?: unknown;
  readonly logger?: unknown;
}

/** The SDK's rule (`fromTemporaryCredentials`): an HTTP/2 handler of the caller's is not borrowed. */
const borrowableHandler = (handler: unknown): unknown =>
  (handler as { metadata?: { handlerProtocol?: unknown } } | undefined)?.metadata?.handlerProtocol === "h2"
    ? undefined
    : handler;

/**
 * The STS client a provider uses, built at its first call rather than when the provider is made: a
 * program pays for the client (its configuration, its region lookup) only when it needs credentials.
 * It is the one given, or one made from `clientConfig` that makes a single attempt per call unless
 * told otherwise, so that {@link retryWith} is the one place retries happen.
 *
 * Settings the user left out are taken from the client the credentials are for, as the SDK's
 * `fromTemporaryCredentials` does: its `region`, `requestHandler` (not an HTTP/2 one) and `logger`,
 * which the SDK passes to a provider as `callerClientConfig`. Never its credentials: they are ours.
 *
 * @internal
 */
export const stsClientFor = (
  options: Pick<AssumeRoleOptions, "stsClient" | "clientConfig" | "region">,
): ((providerOptions?: ProviderOptions) => STSClient) => {
  let client = options.stsClient;
  return (providerOptions) => {
    if (client !== undefined) return client;
    const caller = (providerOptions?.callerClientConfig ?? {}) as CallerClientConfig;
    const given = options.clientConfig ?? {};
    const region = options.region ?? given.region ?? caller.region;
    const requestHandler = given.requestHandler ?? borrowableHandler(caller.requestHandler);
    const logger = given.logger ?? caller.logger;
    try {
      client = new STSClient({
        ...given,
        ...(region === undefined ? {} : { region: region as STSClientConfig["region"] }),
        ...(requestHandler === undefined
          ? {}
          : { requestHandler: requestHandler as STSClientConfig["requestHandler"] }),
        // Wrapped: the SDK would hand the logger an AssumeRole answer's session token.
        ...(logger === undefined ? {} : { logger: redactingLogger(logger as Logger) }),
        maxAttempts: given.maxAttempts ?? 1,
      });
    } catch (error) {
      // Not a failed STS call (none was made): a configuration that will not work until it is changed.
      throw new CredentialRefreshError(
        `could not build the STS client from clientConfig: ${describeError(error)}`,
        { retryable: false, attempts: 0, cause: error },
      );
    }
    return client;
  };
};

/** The code with which STS rejected the caller's credentials themselves, if it did. */
const callerRejectionOf = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null) return undefined;
  const { name, Code, code } = error as { name?: unknown; Code?: unknown; code?: unknown };
  return [Code, code, name].find(
    (candidate): candidate is string =>
      typeof candidate === "string" && CREDENTIAL_REJECTION_ERROR_CODES.has(candidate),
  );
};

/** A caller that is one of our refreshing providers: it can be told that its key was rejected. */
const invalidatorOf = (caller: unknown): ((accessKeyId: string) => unknown) | undefined => {
  const invalidate =
    typeof caller === "function" ? (caller as { invalidate?: unknown }).invalidate : undefined;
  return typeof invalidate === "function"
    ? (accessKeyId) => (invalidate as (key: string) => unknown).call(caller, accessKeyId)
    : undefined;
};

/**
 * The one way a source asks STS for credentials: the command is built at each call (it may need an
 * MFA code or a fresh token first), sent on the provider's client with the caller's signal, a failure
 * described with the action and the role, and the answer checked before it is believed.
 *
 * When STS rejects the caller's credentials themselves (a code of
 * {@link CREDENTIAL_REJECTION_ERROR_CODES}: a hub session revoked, a key expired early) and they come
 * from one of our refreshing providers (`caller`, with `invalidate()`), the rejected key is
 * invalidated and the call sent once more, with the key the caller gets in its place: a chained role
 * recovers at once instead of at its hub's next scheduled refresh.
 *
 * @internal
 */
export const stsCredentialSource = (
  action: "AssumeRole" | "AssumeRoleWithWebIdentity",
  roleArn: string,
  client: (providerOptions?: ProviderOptions) => STSClient,
  clock: Clock,
  command: (signal?: AbortSignal) => Promise<AssumeRoleCommand | AssumeRoleWithWebIdentityCommand>,
  caller?: unknown,
): CredentialProvider => {
  const invalidate = invalidatorOf(caller);
  return nameSource(async (providerOptions) => {
    const sts = client(providerOptions);
    const raw: RawAnswer = {};
    // The caller's signal, so that what the command needs first (an MFA command) stops with the attempt.
    const sent = recordRawAnswer(await command(providerOptions?.signal), raw);
    const sendOptions = providerOptions?.signal === undefined ? {} : { abortSignal: providerOptions.signal };
    let attempts = 0;
    for (let round = 0; ; round++) {
      let response: unknown;
      try {
        // Either command: the client's overloads take one at a time.
        response = await sts.send(sent as never, sendOptions);
      } catch (error) {
        if (isAbortError(error)) throw error;
        attempts += attemptsOf(error);
        const rejectedKey = raw.signedWith;
        if (round > 0 || invalidate === undefined || rejectedKey === undefined || !callerRejectionOf(error)) {
          throw stsFailure(action, roleArn, error, raw, attempts);
        }
        invalidate(rejectedKey);
        // What the second answer says is recorded afresh.
        delete raw.status;
        delete raw.contentType;
        delete raw.body;
        delete raw.signedWith;
        continue;
      }
      return withFeatures(
        credentialsFromStsResponse(action, roleArn, response, clock.now(), raw),
        STS_FEATURE[action],
      );
    }
  }, `STS ${action} for ${roleArn}`);
};
