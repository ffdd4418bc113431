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
import type { DeserializeMiddleware, HttpResponse, MiddlewareStack } from "@smithy/types";
import { isLeft } from "fp-ts/Either";
import * as t from "io-ts";
import { failedFields, NonEmptyString, ValidDate } from "../errors/codecs";
import { CredentialRefreshError, describeError } from "../errors/CredentialRefreshError";
import type { Clock } from "../core/Clock";
import { redactSecrets, type CredentialProvider, type Credentials } from "../core/CredentialProvider";
import { nameSource } from "../core/sourceName";
import { STS_FEATURE, withFeatures } from "../telemetry/credentialFeatures";
import {
  asCredentialRefreshError,
  attemptsOf,
  isAbortError,
  isRetryableError,
} from "../errors/isRetryableError";
import { hideKeysAndTokens } from "../core/secretText";
import { identityOfAssumedRole, recordIdentity } from "../core/callerIdentity";

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
  const record: DeserializeMiddleware<object, object> = (next) => async (args) => {
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
 * (an HTML page, JSON, an empty body). Asking again gets the same answer: it is the endpoint, a proxy
 * or a captive portal, not a passing fault.
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

const NOT_STS_HINT =
  "; is the endpoint an STS endpoint, or is a proxy answering for it? Not retried: the same answer would come again";

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
 * without credentials, or with an unparseable or past expiration, is a {@link CredentialRefreshError}
 * (retryable: it is the server's fault, and the next answer may be right). Paths, never values, are
 * named, so secrets cannot reach the message.
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
      throw new CredentialRefreshError(`${foreign} for ${subject}${NOT_STS_HINT}`, { retryable: false });
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
 * Wraps a failed STS call in a {@link CredentialRefreshError} that says whether it is worth retrying
 * and how many attempts the STS client made. An abort is passed through untouched: the caller asked
 * for it.
 *
 * @internal
 */
export const stsFailure = (action: string, subject: string, error: unknown, raw?: RawAnswer): unknown => {
  if (error instanceof CredentialRefreshError) return error;
  if (isAbortError(error)) return error;
  // A 2xx answer the SDK could not parse, and that is not STS's at all: say what it was.
  const foreign = raw?.status !== undefined && raw.status < 300 ? notAnStsAnswer(action, raw) : undefined;
  if (foreign !== undefined) {
    return new CredentialRefreshError(`${foreign} for ${subject}${NOT_STS_HINT}`, {
      retryable: false,
      attempts: attemptsOf(error),
      cause: error,
    });
  }
  // The SDK's own classification, not only the non-recoverable list: an STS answer the SDK would not
  // retry (a 400 of any kind) is not worth retryWith's attempts either.
  return asCredentialRefreshError(error, {
    context: `STS ${action} for ${subject}`,
    retryable: isRetryableError(error),
  });
};

/**
 * The STS client a provider uses, built at its first call rather than when the provider is made: a
 * program pays for the client (its configuration, its region lookup) only when it needs credentials.
 * It is the one given, or one made from `clientConfig` that makes a single attempt per call unless
 * told otherwise, so that {@link retryWith} is the one place retries happen.
 *
 * @internal
 */
export const stsClientFor = (options: {
  readonly stsClient?: STSClient | undefined;
  readonly clientConfig?: STSClientConfig | undefined;
  readonly region?: string | undefined;
}): (() => STSClient) => {
  let client = options.stsClient;
  return () => {
    if (client !== undefined) return client;
    try {
      client = new STSClient({
        ...options.clientConfig,
        ...(options.region === undefined ? {} : { region: options.region }),
        maxAttempts: options.clientConfig?.maxAttempts ?? 1,
      });
    } catch (error) {
      // Not a failed STS call (none was made): a configuration that will not work until it is changed.
      throw new CredentialRefreshError(
        `could not build the STS client from clientConfig: ${hideKeysAndTokens(describeError(error))}`,
        { retryable: false, attempts: 0, cause: error },
      );
    }
    return client;
  };
};

/**
 * The one way a source asks STS for credentials: the command is built at each call (it may need an
 * MFA code or a fresh token first), sent on the provider's client with the caller's signal, a failure
 * described with the action and the role, and the answer checked before it is believed.
 *
 * @internal
 */
export const stsCredentialSource = (
  action: "AssumeRole" | "AssumeRoleWithWebIdentity",
  roleArn: string,
  client: () => STSClient,
  clock: Clock,
  command: (signal?: AbortSignal) => Promise<AssumeRoleCommand | AssumeRoleWithWebIdentityCommand>,
): CredentialProvider =>
  nameSource(async (providerOptions) => {
    const sts = client();
    const raw: RawAnswer = {};
    // The caller's signal, so that what the command needs first (an MFA command) stops with the attempt.
    const sent = recordRawAnswer(await command(providerOptions?.signal), raw);
    let response: unknown;
    try {
      response = await sts.send(
        // Either command: the client's overloads take one at a time.
        sent as never,
        providerOptions?.signal === undefined ? {} : { abortSignal: providerOptions.signal },
      );
    } catch (error) {
      throw stsFailure(action, roleArn, error, raw);
    }
    return withFeatures(
      credentialsFromStsResponse(action, roleArn, response, clock.now(), raw),
      STS_FEATURE[action],
    );
  }, `STS ${action} for ${roleArn}`);
