/**
 * Credentials for devices that hold an X.509 certificate registered with AWS IoT, from the IoT
 * credentials provider over mutual TLS.
 *
 * @packageDocumentation
 */
import { withFeatures } from "../telemetry/credentialFeatures";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { request } from "node:https";
import { isLeft } from "fp-ts/Either";
import * as t from "io-ts";
import { systemClock, type Clock } from "../core/Clock";
import { redactSecrets, type CredentialProvider, type Credentials } from "../core/CredentialProvider";
import { hideKeysAndTokens } from "../core/secretText";
import { nameSource } from "../core/sourceName";
import {
  ClockCodec,
  failedFields,
  integerIn,
  NonEmptyString,
  PositiveMillis,
  stringOf,
  strictOptions,
} from "../errors/codecs";
import { CredentialRefreshError } from "../errors/CredentialRefreshError";
import { decodeOptionsAs, InvalidOptionsError, type OptionIssue } from "../errors/InvalidOptionsError";

/**
 * Options of {@link iotCredentials}. `certificate`, `privateKey` and `ca` are each either PEM contents
 * (text that starts a `-----BEGIN` block) or the path of a PEM file; a file is read again at each call,
 * so a certificate rotated on disk is used from the next refresh on.
 *
 * @example
 * ```ts
 * import type { IotCredentialsOptions } from "aws-refresh-session";
 *
 * const options: IotCredentialsOptions = {
 *   endpoint: "c1a2b3c4d5e6f7.credentials.iot.eu-west-1.amazonaws.com",
 *   roleAlias: "sensor-uploader",
 *   thingName: "sensor-0042",
 *   certificate: "/etc/iot/device.pem.crt",
 *   privateKey: "/etc/iot/private.pem.key",
 *   ca: "/etc/iot/AmazonRootCA1.pem",
 * };
 * ```
 * @category Sources
 * @since 0.2.0
 */
export interface IotCredentialsOptions {
  /**
   * The account's IoT credentials endpoint (`aws iot describe-endpoint --endpoint-type
   * iot:CredentialProvider`): a host such as `c1a2b3c4d5e6f7.credentials.iot.eu-west-1.amazonaws.com`,
   * optionally with a port or an `https://` prefix. Not the data endpoint (`...-ats.iot...`).
   */
  readonly endpoint: string;
  /** The role alias whose role the credentials are for. */
  readonly roleAlias: string;
  /** The thing the certificate is attached to, sent as `x-amzn-iot-thingname` (for policy variables). */
  readonly thingName?: string | undefined;
  /** The device's certificate: PEM contents or a file path. */
  readonly certificate: string;
  /** The certificate's private key: PEM contents or a file path. Never shown in an error or a log. */
  readonly privateKey: string;
  /** The CA that signed the endpoint's certificate: PEM contents or a file path. Default: Node.js's trusted CAs. */
  readonly ca?: string | undefined;
  /** Lifetime asked for, 900 to 43200 seconds (capped by the role alias). Default: the role alias's. */
  readonly durationSeconds?: number | undefined;
  /** How long a call may take, connection included, before it fails (retryable). Default: 10 seconds. */
  readonly timeoutMs?: number | undefined;
  /** The clock that decides whether an answer's expiration is already past. Default: {@link systemClock}. */
  readonly clock?: Clock | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;

const isPem = (value: string): boolean => PEM_BLOCK.test(value);

/** `host[:port]`, with an optional `https://` in front and nothing after. */
const ENDPOINT = /^(?:https:\/\/)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?\/?$/;

const ENDPOINT_RULE =
  "an IoT credentials endpoint host such as c1a2b3c4d5e6f7.credentials.iot.eu-west-1.amazonaws.com (optionally with :port or https://)";

const IotCredentialsOptionsCodec = /* @__PURE__ */ strictOptions(
  "IotCredentialsOptions",
  {
    endpoint: stringOf(1, 300, ENDPOINT, ENDPOINT_RULE),
    roleAlias: stringOf(1, 128, /^[\w=,@-]+$/, "a role alias: 1 to 128 letters, digits and _=,@-"),
    certificate: NonEmptyString,
    privateKey: NonEmptyString,
  },
  {
    thingName: stringOf(1, 128, /^[a-zA-Z0-9:_-]+$/, "a thing name: 1 to 128 letters, digits and :_-"),
    ca: NonEmptyString,
    durationSeconds: integerIn(900, 43_200),
    timeoutMs: PositiveMillis,
    clock: ClockCodec,
  },
);

/** Where a host is an AWS endpoint, it must be an IoT credentials one: the data endpoint is a common mix-up. */
const endpointIssues = (host: string): OptionIssue[] => {
  const lower = host.toLowerCase();
  if (lower.includes(".credentials.iot.")) return [];
  if (/(^|\.)iot\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(lower)) {
    return [
      {
        path: "endpoint",
        rule: `is an IoT data endpoint (${host}), not the credentials endpoint: use the one \`aws iot describe-endpoint --endpoint-type iot:CredentialProvider\` prints (…credentials.iot.<region>.amazonaws.com)`,
      },
    ];
  }
  if (/\.amazonaws\.com(\.cn)?$/.test(lower)) {
    return [{ path: "endpoint", rule: `${host} is an AWS endpoint, but not an IoT credentials endpoint` }];
  }
  // Loopback, a proxy, a custom domain: checked by what it answers.
  return [];
};

/** Each PEM option given as contents is checked now; a path is read (and checked) at each call. */
const pemIssues = (options: IotCredentialsOptions): OptionIssue[] => {
  const issues: OptionIssue[] = [];
  const check = (path: string, value: string | undefined, use: (pem: string) => unknown, what: string) => {
    if (value === undefined || !isPem(value)) return;
    try {
      use(value);
    } catch {
      // Never the value, nor the parser's message: for a key, either could quote it.
      issues.push({ path, rule: `PEM contents that are ${what}; these could not be read as one` });
    }
  };
  check("certificate", options.certificate, (pem) => new X509Certificate(pem), "an X.509 certificate");
  check("privateKey", options.privateKey, (pem) => createPrivateKey(pem), "an unencrypted private key");
  check("ca", options.ca, (pem) => new X509Certificate(pem), "an X.509 certificate");
  return issues;
};

/** The IoT credentials provider's answer: `{"credentials": {...}}`. */
const IotAnswer = /* @__PURE__ */ t.type({
  credentials: t.type({
    accessKeyId: NonEmptyString,
    secretAccessKey: NonEmptyString,
    sessionToken: NonEmptyString,
    expiration: NonEmptyString,
  }),
});

interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** At most this much of an answer is read: credentials are a few kilobytes. */
const MAX_BODY_BYTES = 256 * 1024;

/** TLS alerts by which a server turns a client certificate down. */
const CERTIFICATE_REFUSED =
  /ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_REQUIRED|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED|HANDSHAKE_FAILURE|DECRYPT_ERROR)$/;

/** Errors in checking the endpoint's own certificate (Node's codes for OpenSSL's verify results). */
const SERVER_UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Network failures that a later attempt may not meet. */
const TRANSIENT_NETWORK = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
]);

/** A plain record of a Node.js error: name, code and message with anything key-shaped hidden. */
const recordOf = (error: unknown): Error => {
  const { name, code, message } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  const record = new Error(typeof message === "string" ? hideKeysAndTokens(message).slice(0, 300) : "");
  record.name = typeof name === "string" ? name : "Error";
  if (typeof code === "string") Object.assign(record, { code });
  return record;
};

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
};

/** The server's `{"message": "..."}`, short and with anything key-shaped hidden. */
const serverMessage = (answer: Answer): string | undefined => {
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

const isJson = (answer: Answer): boolean => {
  try {
    JSON.parse(answer.body);
    return answer.body.trim().startsWith("{");
  } catch {
    return false;
  }
};

/**
 * Credentials from the AWS IoT credentials provider, for devices that hold an X.509 certificate
 * registered with AWS IoT (like boto3-refresh-session's IoT method): each call connects to
 * `https://<endpoint>/role-aliases/<roleAlias>/credentials` with the certificate and key (mutual TLS),
 * sends the thing name when given, and answers the role's temporary credentials. Give it to
 * {@link refreshing} or `session({ source })` for the refresh policy; one call per refresh.
 *
 * Files are read again at each call (a rotated certificate takes effect at the next refresh), and a
 * fresh connection is made each time. Failures are {@link CredentialRefreshError}s that name the
 * endpoint and the role alias, never the key: a certificate the endpoint does not accept, an unknown
 * or forbidden role alias, a TLS failure and an endpoint that does not answer as IoT are not
 * retryable; throttling, 5xx answers, timeouts and network errors are.
 *
 * Options are checked now: bad ones (a data endpoint given for the credentials endpoint, PEM contents
 * that are not a certificate or key) throw an {@link InvalidOptionsError}.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { iotCredentials, refreshing } from "aws-refresh-session";
 *
 * const credentials = refreshing(
 *   iotCredentials({
 *     endpoint: "c1a2b3c4d5e6f7.credentials.iot.eu-west-1.amazonaws.com",
 *     roleAlias: "sensor-uploader",
 *     thingName: "sensor-0042",
 *     certificate: "/etc/iot/device.pem.crt",
 *     privateKey: "/etc/iot/private.pem.key",
 *     ca: "/etc/iot/AmazonRootCA1.pem",
 *   }),
 * );
 * const s3 = new S3Client({ region: "eu-west-1", credentials });
 * ```
 * @category Sources
 * @since 0.2.0
 */
export const iotCredentials = (options: IotCredentialsOptions): CredentialProvider => {
  const decoded = decodeOptionsAs<IotCredentialsOptions>()(
    "iotCredentials",
    IotCredentialsOptionsCodec,
    options,
  );
  const [, host = "", port] = ENDPOINT.exec(decoded.endpoint) ?? [];
  const issues = [...endpointIssues(host), ...pemIssues(decoded)];
  if (issues.length > 0) throw new InvalidOptionsError("iotCredentials", issues);
  const clock = decoded.clock ?? systemClock;
  const timeoutMs = decoded.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { roleAlias, thingName, durationSeconds } = decoded;
  const address = port === undefined ? host : `${host}:${port}`;
  const name = `the IoT credentials provider at ${address} (role alias ${roleAlias})`;
  const fail = (problem: string, retryable: boolean, cause?: unknown): CredentialRefreshError =>
    new CredentialRefreshError(`${name} ${problem}`, {
      retryable,
      ...(cause === undefined ? {} : { cause: recordOf(cause) }),
    });

  /** PEM contents as given, or a file's, read now; a file that cannot be read is named, never quoted. */
  const material = async (option: string, value: string): Promise<string> => {
    if (isPem(value)) return value;
    try {
      return await readFile(value, "utf8");
    } catch (error) {
      throw fail(
        `could not be called: the ${option} file ${value} could not be read (${codeOf(error) ?? "error"})`,
        false,
        error,
      );
    }
  };

  /** Where a value came from, for messages: a file's path, or "(PEM contents)". */
  const from = (option: "certificate" | "privateKey" | "ca"): string => {
    const value = decoded[option] ?? "";
    return isPem(value) ? `${option} (PEM contents)` : `${option} file ${value}`;
  };

  /**
   * Checks what was read before it is used, so that a bad file, or a key and certificate from two
   * rotations (one file replaced, not yet the other), reads as such rather than as a TLS error.
   */
  const usable = (cert: string, key: string, ca: string | undefined): void => {
    const parse = <A>(option: "certificate" | "privateKey" | "ca", what: string, read: () => A): A => {
      try {
        return read();
      } catch {
        // Neither the value nor the parser's message: for a key, either could quote it.
        throw fail(`could not be called: ${from(option)} is not ${what}`, false);
      }
    };
    const certificate = parse("certificate", "a PEM X.509 certificate", () => new X509Certificate(cert));
    const privateKey = parse("privateKey", "an unencrypted PEM private key", () => createPrivateKey(key));
    if (ca !== undefined) parse("ca", "a PEM X.509 certificate", () => new X509Certificate(ca));
    if (!certificate.checkPrivateKey(privateKey)) {
      throw fail(
        `could not be called: the private key (${from("privateKey")}) does not belong to the certificate (${from("certificate")}); if they are being rotated, the next refresh will see both`,
        false,
      );
    }
  };

  /** How far a call got, to tell a certificate turned down after the handshake from a network fault. */
  interface Progress {
    handshaken: boolean;
    answered: boolean;
  }

  const fetchAnswer = (
    tls: { cert: string; key: string; ca: string | undefined },
    signal: AbortSignal | undefined,
    progress: Progress,
  ): Promise<Answer> =>
    new Promise<Answer>((resolve, reject) => {
      const headers: Record<string, string> = { accept: "application/json" };
      if (thingName !== undefined) headers["x-amzn-iot-thingname"] = thingName;
      if (durationSeconds !== undefined) {
        headers["x-amzn-iot-credential-duration-seconds"] = String(durationSeconds);
      }
      const call = request(
        {
          host: host.replace(/^\[|\]$/g, ""),
          ...(port === undefined ? {} : { port: Number(port) }),
          method: "GET",
          path: `/role-aliases/${encodeURIComponent(roleAlias)}/credentials`,
          headers,
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca === undefined ? {} : { ca: tls.ca }),
          // A connection of its own: the next refresh may bring a rotated certificate, and nothing
          // pooled keeps the process alive.
          agent: false,
          timeout: timeoutMs,
          ...(signal === undefined ? {} : { signal }),
        },
        (response) => {
          progress.answered = true;
          const chunks: Buffer[] = [];
          let size = 0;
          response.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_BODY_BYTES) chunks.push(chunk);
          });
          response.on("end", () => {
            resolve({
              status: response.statusCode ?? 0,
              contentType: response.headers["content-type"],
              body: Buffer.concat(chunks).toString("utf8"),
            });
          });
          response.on("error", reject);
        },
      );
      call.on("socket", (socket) => {
        socket.once("secureConnect", () => {
          progress.handshaken = true;
        });
      });
      call.on("timeout", () => {
        call.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" }));
      });
      call.on("error", reject);
      call.end();
    });

  /** A failed connection, by what failed: our certificate, theirs, or the network. */
  const connectionFailure = (error: unknown, progress: Progress): unknown => {
    if ((error as { name?: unknown } | null)?.name === "AbortError") return error;
    const code = codeOf(error) ?? "";
    const registered = "is it registered with AWS IoT, active, and issued by a CA AWS IoT knows?";
    if (CERTIFICATE_REFUSED.test(code)) {
      return fail(
        `did not accept the certificate (TLS alert ${code.replace(/^ERR_SSL_\w*?ALERT_/, "").toLowerCase()}): ${registered}`,
        false,
        error,
      );
    }
    if ((code === "ECONNRESET" || code === "EPIPE") && progress.handshaken && !progress.answered) {
      // TLS 1.3: the server checks the client's certificate after the client has finished its part of
      // the handshake, and turns it down by closing the connection, often before its alert is read.
      return fail(
        `did not accept the certificate: it closed the connection (${code}) right after the TLS handshake, before any answer; ${registered}`,
        false,
        error,
      );
    }
    if (SERVER_UNTRUSTED.has(code)) {
      return fail(
        `could not be trusted: TLS failure ${code} checking its certificate; is ca the CA of this endpoint (Amazon Root CA 1 for AWS IoT)?`,
        false,
        error,
      );
    }
    if (code.startsWith("ERR_SSL") || code.startsWith("ERR_OSSL") || code === "EPROTO") {
      return fail(`could not be reached: TLS failure ${code}`, false, error);
    }
    return fail(
      `could not be reached: ${code === "" ? "network error" : code}`,
      code === "" || TRANSIENT_NETWORK.has(code),
      error,
    );
  };

  /** What an answer other than 200 means: the service's errors, or something else answering. */
  const statusFailure = (answer: Answer): CredentialRefreshError => {
    const said = serverMessage(answer);
    const quoted = said === undefined ? "" : `: ${JSON.stringify(said)}`;
    const status = `HTTP ${answer.status}`;
    if (answer.status === 429) return fail(`is throttling (${status}${quoted})`, true);
    if (answer.status >= 500) return fail(`failed (${status}${quoted})`, true);
    if (!isJson(answer)) return notIot(answer);
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

  const notIot = (answer: Answer): CredentialRefreshError => {
    const type = answer.contentType === undefined ? "no content type" : `content type ${answer.contentType}`;
    return fail(
      `answered HTTP ${answer.status} with something that is not an IoT credentials answer (${type}): is ${address} the IoT credentials endpoint (aws iot describe-endpoint --endpoint-type iot:CredentialProvider)? Not retried: the same answer would come again`,
      false,
    );
  };

  const credentialsFrom = (answer: Answer): Credentials => {
    if (answer.status !== 200) throw statusFailure(answer);
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      throw notIot(answer);
    }
    if (typeof parsed !== "object" || parsed === null || !("credentials" in parsed)) throw notIot(answer);
    const decoded = IotAnswer.decode(parsed);
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

  return nameSource(async (providerOptions) => {
    const [cert, key, ca] = await Promise.all([
      material("certificate", decoded.certificate),
      material("privateKey", decoded.privateKey),
      decoded.ca === undefined ? undefined : material("ca", decoded.ca),
    ]);
    usable(cert, key, ca);
    const progress: Progress = { handshaken: false, answered: false };
    let answer: Answer;
    try {
      answer = await fetchAnswer({ cert, key, ca }, providerOptions?.signal, progress);
    } catch (error) {
      throw connectionFailure(error, progress);
    }
    return credentialsFrom(answer);
  }, name);
};
