/**
 * The one HTTPS call of the IoT source, over mutual TLS, and what its failures mean. A certificate
 * turned down, an endpoint not trusted and a network fault all surface as socket errors; telling them
 * apart (only the last is worth retrying) needs to know how far the call got, which only the request
 * sees.
 *
 * @packageDocumentation
 */
import { request } from "node:https";
import { errorCode, type IotFailure } from "./iotFailure";

/**
 * What the endpoint answered, whatever it was: the status and body are judged by the caller.
 *
 * @internal
 */
export interface IotAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/**
 * The call to make: where, for which role alias, with which certificate and key.
 *
 * @internal
 */
export interface IotRequest {
  readonly host: string;
  readonly port: string | undefined;
  readonly roleAlias: string;
  readonly thingName: string | undefined;
  readonly durationSeconds: number | undefined;
  readonly timeoutMs: number;
  /** PEM contents, as read for this call. */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string | undefined };
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

/** How far a call got, to tell a certificate turned down after the handshake from a network fault. */
interface Progress {
  handshaken: boolean;
  answered: boolean;
}

const fetchAnswer = (
  call: IotRequest,
  signal: AbortSignal | undefined,
  progress: Progress,
): Promise<IotAnswer> =>
  new Promise<IotAnswer>((resolve, reject) => {
    const { host, port, roleAlias, thingName, durationSeconds, timeoutMs, tls } = call;
    const headers: Record<string, string> = { accept: "application/json" };
    if (thingName !== undefined) headers["x-amzn-iot-thingname"] = thingName;
    if (durationSeconds !== undefined) {
      headers["x-amzn-iot-credential-duration-seconds"] = String(durationSeconds);
    }
    const outgoing = request(
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
    outgoing.on("socket", (socket) => {
      socket.once("secureConnect", () => {
        progress.handshaken = true;
      });
    });
    outgoing.on("timeout", () => {
      outgoing.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" }));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });

/** A failed connection, by what failed: our certificate, theirs, or the network. */
const connectionFailure = (error: unknown, progress: Progress, fail: IotFailure): unknown => {
  if ((error as { name?: unknown } | null)?.name === "AbortError") return error;
  const code = errorCode(error) ?? "";
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

/**
 * Makes the call on a fresh connection and resolves to whatever the endpoint answered. A call that
 * gets no answer rejects with `fail`'s error for what went wrong (an abort is passed on as it is).
 *
 * @internal
 */
export const requestIotCredentials = async (
  call: IotRequest,
  signal: AbortSignal | undefined,
  fail: IotFailure,
): Promise<IotAnswer> => {
  const progress: Progress = { handshaken: false, answered: false };
  try {
    return await fetchAnswer(call, signal, progress);
  } catch (error) {
    throw connectionFailure(error, progress, fail);
  }
};
