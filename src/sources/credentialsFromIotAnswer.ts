/**
 * What the IoT credentials provider's answer means: credentials, or which of its errors (or someone
 * else's page) came back, in words that say what to check. Pure, given the answer and the clock, so
 * the service's statuses can be read in one place, apart from the TLS call that fetched them.
 *
 * @packageDocumentation
 */
import { isLeft } from "../core/isLeft";
import * as t from "io-ts";
import type { Clock } from "../core/Clock";
import { redactSecrets, type Credentials } from "../core/CredentialProvider";
import { hideKeysAndTokens } from "../core/secretText";
import type { CredentialRefreshError } from "../errors/CredentialRefreshError";
import { failedFields, NonEmptyString } from "../errors/codecs";
import { withFeatures } from "../telemetry/credentialFeatures";
import type { IotFailure } from "./iotFailure";
import type { IotAnswer } from "./requestIotCredentials";

/** The IoT credentials provider's answer: `{"credentials": {...}}`. */
const AnswerCodec = /* @__PURE__ */ t.type({
  credentials: t.type({
    accessKeyId: NonEmptyString,
    secretAccessKey: NonEmptyString,
    sessionToken: NonEmptyString,
    expiration: NonEmptyString,
  }),
});

/**
 * What the messages name, and the clock that judges an expiration.
 *
 * @internal
 */
export interface IotAnswerContext {
  /** `host[:port]` of the endpoint. */
  readonly address: string;
  readonly roleAlias: string;
  readonly thingName: string | undefined;
  readonly clock: Clock;
  readonly fail: IotFailure;
}

/** The server's `{"message": "..."}`, short and with anything key-shaped hidden. */
const serverMessage = (answer: IotAnswer): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(answer.body);
    const message = (parsed as { message?: unknown } | null)?.message;
    if (typeof message !== "string" || message.trim() === "") return undefined;
    const shown = hideKeysAndTokens(message.replace(/\s+/g, " ").trim());
    return shown.length > 160 ? `${shown.slice(0, 157)}...` : shown;
  } catch {
    return undefined;
  }
};

const isJson = (answer: IotAnswer): boolean => {
  try {
    JSON.parse(answer.body);
    return answer.body.trim().startsWith("{");
  } catch {
    return false;
  }
};

const notIot = (answer: IotAnswer, { address, fail }: IotAnswerContext): CredentialRefreshError => {
  const type = answer.contentType === undefined ? "no content type" : `content type ${answer.contentType}`;
  return fail(
    `answered HTTP ${answer.status} with something that is not an IoT credentials answer (${type}): is ${address} the IoT credentials endpoint (aws iot describe-endpoint --endpoint-type iot:CredentialProvider)? Not retried: the same answer would come again`,
    false,
  );
};

/** What an answer other than 200 means: the service's errors, or something else answering. */
const statusFailure = (answer: IotAnswer, context: IotAnswerContext): CredentialRefreshError => {
  const { roleAlias, thingName, fail } = context;
  const said = serverMessage(answer);
  const quoted = said === undefined ? "" : `: ${JSON.stringify(said)}`;
  const status = `HTTP ${answer.status}`;
  if (answer.status === 429) return fail(`is throttling (${status}${quoted})`, true);
  if (answer.status >= 500) return fail(`failed (${status}${quoted})`, true);
  if (!isJson(answer)) return notIot(answer, context);
  if (answer.status === 404) {
    return fail(
      `does not know role alias ${roleAlias} (${status}${quoted}): check its name, and that the endpoint is in its account and region`,
      false,
    );
  }
  if (answer.status === 401 || answer.status === 403) {
    return fail(
      `refused the certificate for role alias ${roleAlias} (${status}${quoted}): the certificate's policy must allow iot:AssumeRoleWithCertificate on the role alias${thingName === undefined ? "" : `, and it must be attached to thing ${thingName}`}`,
      false,
    );
  }
  return fail(`refused the request (${status}${quoted})`, false);
};

/**
 * The credentials of a 200 answer, not yet expired by `context.clock`; otherwise a
 * {@link CredentialRefreshError}, retryable for throttling, a 5xx or a malformed body of the service.
 *
 * @internal
 */
export const credentialsFromIotAnswer = (answer: IotAnswer, context: IotAnswerContext): Credentials => {
  const { clock, fail } = context;
  if (answer.status !== 200) throw statusFailure(answer, context);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    throw notIot(answer, context);
  }
  if (typeof parsed !== "object" || parsed === null || !("credentials" in parsed))
    throw notIot(answer, context);
  const decoded = AnswerCodec.decode(parsed);
  if (isLeft(decoded)) {
    throw fail(
      `returned no usable credentials: invalid or missing ${failedFields(decoded.left).join(", ")}`,
      true,
    );
  }
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = decoded.right.credentials;
  const expires = new Date(expiration);
  if (Number.isNaN(expires.getTime())) {
    throw fail("returned no usable credentials: invalid credentials.expiration", true);
  }
  if (expires.getTime() <= clock.now()) {
    throw fail(
      `returned credentials that expired at ${expires.toISOString()}, not after now (${new Date(clock.now()).toISOString()}); check this machine's clock`,
      true,
    );
  }
  return redactSecrets(
    withFeatures({ accessKeyId, secretAccessKey, sessionToken, expiration: expires }, [
      "CREDENTIALS_HTTP",
      "z",
    ]),
  );
};
