import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as t from "io-ts";
import type { CredentialProvider } from "../core/CredentialProvider";
import { safeListener } from "../core/safeListener";
import { hideKeysAndTokens } from "../core/secretText";
import { functionCodec, integerIn, ListenerCodec, NonEmptyString, strictOptions } from "../errors/codecs";
import { describeError } from "../errors/CredentialRefreshError";
import { decodeOptions, decodeOptionsAs } from "../errors/InvalidOptionsError";
import { childEnvironment } from "./childEnvironment";

/**
 * What a credentials endpoint tells `onEvent`; never a secret, never the token.
 *
 * - `served`: a request with the token was answered with credentials, `durationMs` after it arrived
 *   (the time the endpoint took, the provider's call included).
 * - `denied`: a request was answered 403: it had no token (`no-token`), another one (`wrong-token`),
 *   or named a host other than the endpoint's (`wrong-host`, as a DNS rebinding attack would).
 * - `failed`: the provider failed; the request was answered 500 with the message (keys and tokens
 *   hidden).
 *
 * @example
 * ```ts
 * import type { CredentialServerEvent } from "aws-refresh-session";
 *
 * const onEvent = (event: CredentialServerEvent) => {
 *   if (event.type === "failed") console.warn(`credentials endpoint: ${event.message}`);
 * };
 * ```
 * @category Server
 * @since 0.2.0
 */
export type CredentialServerEvent =
  | { readonly type: "served"; readonly durationMs: number }
  | { readonly type: "denied"; readonly reason: "no-token" | "wrong-token" | "wrong-host" }
  | { readonly type: "failed"; readonly message: string };

/**
 * Options of {@link serveCredentials}.
 *
 * @example
 * ```ts
 * import type { ServeCredentialsOptions } from "aws-refresh-session";
 *
 * const options: ServeCredentialsOptions = { region: "eu-west-1", onEvent: (event) => console.log(event.type) };
 * ```
 * @category Server
 * @since 0.2.0
 */
export interface ServeCredentialsOptions {
  /** The port on 127.0.0.1. Default 0: a free port, chosen by the system. */
  readonly port?: number | undefined;
  /** The region given to children in `env` (`AWS_REGION` and `AWS_DEFAULT_REGION`). Default: none set. */
  readonly region?: string | undefined;
  /** The environment `env` is made from. Default: `process.env` as it is now. Not changed. */
  readonly environment?: Readonly<Record<string, string | undefined>> | undefined;
  /** Hears each request's outcome; see {@link CredentialServerEvent}. */
  readonly onEvent?: ((event: CredentialServerEvent) => void) | undefined;
}

/**
 * A running credentials endpoint, made by {@link serveCredentials}.
 *
 * @example
 * ```ts
 * import { spawn } from "node:child_process";
 * import { refreshingRole, serveCredentials, type CredentialServer } from "aws-refresh-session";
 *
 * const server: CredentialServer = await serveCredentials(refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }));
 * spawn("aws", ["s3", "ls"], { env: server.env, stdio: "inherit" }).on("exit", () => void server.close());
 * ```
 * @category Server
 * @since 0.2.0
 */
export interface CredentialServer {
  /** `http://127.0.0.1:<port>/`, the value of `AWS_CONTAINER_CREDENTIALS_FULL_URI`. */
  readonly url: string;
  /** The token requests must carry in `Authorization`: 256 random bits, base64url. A secret. */
  readonly token: string;
  /**
   * The environment to give a child process: the `environment` option (or `process.env`) without
   * what the AWS SDKs' default chains would pick before the container credentials (keys, profiles,
   * web identity, another container endpoint, and the shared files, pointed at the null device),
   * with `AWS_CONTAINER_CREDENTIALS_FULL_URI`, `AWS_CONTAINER_AUTHORIZATION_TOKEN` and the region.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Requests answered so far, by outcome. */
  stats(): { readonly served: number; readonly denied: number; readonly failed: number };
  /** Stops listening and closes every connection. The provider is the caller's: it is not disposed. */
  close(): Promise<void>;
  /** `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

const EnvironmentCodec = /* @__PURE__ */ new t.Type<Record<string, string | undefined>, unknown, unknown>(
  "an environment: an object of strings, such as process.env",
  (u): u is Record<string, string | undefined> =>
    typeof u === "object" &&
    u !== null &&
    !Array.isArray(u) &&
    Object.values(u).every((v) => v === undefined || typeof v === "string"),
  (u, c) =>
    typeof u === "object" &&
    u !== null &&
    !Array.isArray(u) &&
    Object.values(u).every((v) => v === undefined || typeof v === "string")
      ? t.success(u as Record<string, string | undefined>)
      : t.failure(u, c, "an environment: an object of strings, such as process.env"),
  (a) => a,
);

const ServeCredentialsCodec = /* @__PURE__ */ strictOptions(
  "ServeCredentialsOptions",
  {},
  {
    port: integerIn(0, 65_535),
    region: NonEmptyString,
    environment: EnvironmentCodec,
    onEvent: ListenerCodec,
  },
);

const sha256 = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

const sendJson = (response: ServerResponse, status: number, body: object): void => {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  response.end(text);
};

/**
 * Serves `provider`'s credentials to other processes over the container credentials protocol, which
 * every AWS SDK and the AWS CLI read when `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN` are set, as aws-vault's server mode does.
 *
 * The endpoint listens on 127.0.0.1 only, on a random port (unless `port`), behind a random token of
 * 256 bits, compared in constant time (their SHA-256 digests with `timingSafeEqual`); a request
 * without it, with another, or naming another host is answered 403 with a JSON message. A request
 * with it gets `AccessKeyId`, `SecretAccessKey`, `Token` and `Expiration` (ISO 8601) from `provider`,
 * called per request: give it a refreshing provider ({@link refreshingRole}), and the children's own
 * SDKs refresh from the endpoint as their credentials near expiry. Nothing is written to disk.
 *
 * The server keeps the process alive until `close()`. Options are checked now: bad ones throw an
 * {@link InvalidOptionsError}.
 *
 * @example
 * ```ts
 * import { execFileSync } from "node:child_process";
 * import { refreshingRole, serveCredentials } from "aws-refresh-session";
 *
 * const credentials = refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Deployer", region: "eu-west-1" });
 * const server = await serveCredentials(credentials, { region: "eu-west-1" });
 * try {
 *   execFileSync("terraform", ["apply", "-auto-approve"], { env: server.env, stdio: "inherit" });
 * } finally {
 *   await server.close();
 *   credentials.dispose();
 * }
 * ```
 * @category Server
 * @since 0.2.0
 */
export const serveCredentials = async (
  provider: CredentialProvider,
  options: ServeCredentialsOptions = {},
): Promise<CredentialServer> => {
  decodeOptions("serveCredentials", functionCodec("a credential provider"), provider);
  const decoded = decodeOptionsAs<ServeCredentialsOptions>()(
    "serveCredentials",
    ServeCredentialsCodec,
    options,
  );
  const environment = { ...(decoded.environment ?? process.env) };
  const onEvent = decoded.onEvent === undefined ? undefined : safeListener("onEvent", decoded.onEvent);
  const token = randomBytes(32).toString("base64url");
  const tokenDigest = sha256(token);
  const counts = { served: 0, denied: 0, failed: 0 };
  let hosts: readonly string[] = [];

  const deny = (response: ServerResponse, reason: "no-token" | "wrong-token" | "wrong-host"): void => {
    counts.denied++;
    onEvent?.({ type: "denied", reason });
    sendJson(response, 403, {
      Code: "AccessDenied",
      Message:
        reason === "wrong-host"
          ? "this endpoint answers requests to 127.0.0.1 only"
          : "a valid Authorization token is required",
    });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = performance.now();
    if (!hosts.includes(request.headers.host ?? "")) {
      deny(response, "wrong-host");
      return;
    }
    const given = request.headers.authorization;
    if (given === undefined || given === "") {
      deny(response, "no-token");
      return;
    }
    if (!timingSafeEqual(sha256(given), tokenDigest)) {
      deny(response, "wrong-token");
      return;
    }
    if (request.method !== "GET") {
      sendJson(response, 405, { Code: "MethodNotAllowed", Message: "only GET is answered" });
      return;
    }
    try {
      const credentials = await provider();
      counts.served++;
      sendJson(response, 200, {
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken === undefined ? {} : { Token: credentials.sessionToken }),
        ...(credentials.expiration === undefined ? {} : { Expiration: credentials.expiration.toISOString() }),
        ...(credentials.accountId === undefined ? {} : { AccountId: credentials.accountId }),
      });
      onEvent?.({ type: "served", durationMs: performance.now() - started });
    } catch (error) {
      counts.failed++;
      const message = hideKeysAndTokens(describeError(error));
      onEvent?.({ type: "failed", message });
      if (!response.headersSent)
        sendJson(response, 500, { Code: "CredentialsUnavailable", Message: message });
    }
  };

  const server = createServer((request, response) => {
    // The request's body is not used: it is drained so that a kept-alive connection stays usable.
    request.resume();
    void handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(decoded.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const url = `http://127.0.0.1:${port}/`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
    return closing;
  };
  return {
    url,
    token,
    env: childEnvironment(environment, { url, token }, decoded.region),
    stats: () => ({ ...counts }),
    close,
    [Symbol.asyncDispose]: close,
  };
};
