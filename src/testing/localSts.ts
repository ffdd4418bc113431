import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import * as t from "io-ts";
import { systemClock, type Clock } from "../core/Clock";
import {
  ClockCodec,
  functionCodec,
  integerIn,
  NonEmptyString,
  NonNegativeMillis,
  refine,
  strictOptions,
} from "../errors/codecs";
import { decodeOptions } from "../errors/InvalidOptionsError";
import { redactSecrets, type Credentials } from "../core/CredentialProvider";
import type { ManualClock } from "./manualClock";

/**
 * The STS actions the local STS answers.
 *
 * @example
 * ```ts
 * import type { StsAction } from "aws-refresh-session/testing";
 *
 * const action: StsAction = "AssumeRole";
 * ```
 * @category Local STS
 * @since 0.1.0
 */
export type StsAction = "AssumeRole" | "AssumeRoleWithWebIdentity" | "GetCallerIdentity";

/**
 * A way for the local STS to misbehave, for one request.
 *
 * - `latency`: answer normally, after `ms` on the server's clock (a manual clock holds it until advanced).
 * - `throttle`: HTTP 400 `Throttling`, as STS answers when its rate limit is hit.
 * - `server-error`: HTTP `status` (500 `InternalFailure` or 503 `ServiceUnavailable`).
 * - `reset`: the connection is destroyed without an answer.
 * - `hang`: no answer ever comes (until `close()`).
 * - `malformed`: HTTP 200 with a body that is not XML.
 * - `no-credentials`: HTTP 200 without a `Credentials` element.
 * - `expired`: HTTP 200 with credentials whose `Expiration` is already past.
 *
 * @example
 * ```ts
 * import type { StsFault } from "aws-refresh-session/testing";
 *
 * const outage: StsFault = { kind: "server-error", status: 503 };
 * ```
 * @category Local STS
 * @since 0.1.0
 */
export type StsFault =
  | { readonly kind: "latency"; readonly ms: number }
  | { readonly kind: "throttle" }
  | { readonly kind: "server-error"; readonly status: 500 | 503 }
  | { readonly kind: "reset" }
  | { readonly kind: "hang" }
  | { readonly kind: "malformed" }
  | { readonly kind: "no-credentials" }
  | { readonly kind: "expired" };

/**
 * Which requests a fault applies to.
 *
 * @example
 * ```ts
 * import type { FaultSchedule } from "aws-refresh-session/testing";
 *
 * const nextThree: FaultSchedule = { times: 3, action: "AssumeRole" };
 * ```
 * @category Local STS
 * @since 0.1.0
 */
export interface FaultSchedule {
  /** How many matching requests it hits; default 1, `Infinity` until {@link LocalSts.clearFaults}. */
  readonly times?: number | undefined;
  /** Only requests for this action; default: every action that issues credentials. */
  readonly action?: StsAction | undefined;
}

/**
 * A set of credentials the local STS issued.
 *
 * @example
 * ```ts
 * import type { IssuedCredentials } from "aws-refresh-session/testing";
 *
 * const describe = (issued: IssuedCredentials) => `${issued.accessKeyId} for ${issued.arn} until ${issued.expiration.toISOString()}`;
 * ```
 * @category Local STS
 * @since 0.1.0
 */
export interface IssuedCredentials extends Credentials {
  readonly sessionToken: string;
  readonly expiration: Date;
  readonly action: StsAction;
  /** The assumed-role ARN these credentials act as. */
  readonly arn: string;
  readonly roleArn: string;
  readonly roleSessionName: string;
  /** When they were issued, by the server's clock. */
  readonly issuedAt: Date;
}

/**
 * One request the local STS received, and how it ended.
 *
 * @example
 * ```ts
 * import type { StsRequestRecord } from "aws-refresh-session/testing";
 *
 * const rejected = (records: readonly StsRequestRecord[]) => records.filter((r) => r.outcome !== "ok");
 * ```
 * @category Local STS
 * @since 0.1.0
 */
export interface StsRequestRecord {
  readonly action: string;
  /** The request's parameters, except `WebIdentityToken`, which is replaced by its length. */
  readonly params: Readonly<Record<string, string>>;
  /** `ok`, an error code such as `ExpiredToken`, or `fault:<kind>`. */
  readonly outcome: string;
  /** The caller's access key id, for signed requests (for rejected ones, the key they were signed with). */
  readonly accessKeyId?: string;
  readonly at: Date;
}

/**
 * Options of {@link localSts}.
 *
 * @example
 * ```ts
 * import { localSts, manualClock, type LocalStsOptions } from "aws-refresh-session/testing";
 *
 * const options: LocalStsOptions = { clock: manualClock(), credentialLifetimeMs: 60_000 };
 * const sts = await localSts(options);
 * ```
 * @category Local STS
 * @since 0.1.0
 */
export interface LocalStsOptions {
  /** Mints expirations and decides what has expired. Default: {@link systemClock}. */
  readonly clock?: Clock | undefined;
  /** The account of the roles and the root caller. Default `123456789012`. */
  readonly accountId?: string | undefined;
  /**
   * Lifetime of issued credentials, overriding the request's `DurationSeconds` (which STS keeps at 900 s
   * or more): lets a test or demo see many refreshes in seconds.
   */
  readonly credentialLifetimeMs?: number | undefined;
  /** Long-term caller credentials it accepts. Default: one generated pair, see {@link LocalSts.rootCredentials}. */
  readonly rootCredentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  /** Decides whether a web identity token is valid. Default: any non-empty token. */
  readonly verifyWebIdentityToken?: ((token: string) => boolean) | undefined;
  /** The port to listen on, on 127.0.0.1. Default: a free one. */
  readonly port?: number | undefined;
}

/**
 * A running local STS. See {@link localSts}.
 *
 * @example
 * ```ts
 * import { STSClient } from "@aws-sdk/client-sts";
 * import { localSts, type LocalSts } from "aws-refresh-session/testing";
 *
 * const sts: LocalSts = await localSts();
 * const client = new STSClient({ region: "us-east-1", endpoint: sts.endpoint, credentials: sts.rootCredentials });
 * await sts.close();
 * ```
 * @category Local STS
 * @since 0.1.0
 */
export interface LocalSts {
  /** `http://127.0.0.1:<port>`: give it to SDK clients as `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Long-term credentials it accepts as a caller (an IAM user of the account). */
  readonly rootCredentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Every set of credentials it issued, oldest first. */
  readonly issued: readonly IssuedCredentials[];
  /** Every request it received, oldest first. */
  readonly requests: readonly StsRequestRecord[];
  /** Requests received per action, faults included. */
  readonly counts: Readonly<Record<StsAction, number>>;
  /** Requests it rejected, per error code (`ExpiredToken`, `SignatureDoesNotMatch`, ...). */
  readonly rejections: Readonly<Record<string, number>>;
  /** Queues `fault` for the next matching requests. Faults apply in the order they were queued. */
  inject(fault: StsFault, schedule?: FaultSchedule): void;
  /** Drops every queued fault: the outage is over. */
  clearFaults(): void;
  /**
   * Revokes a key it issued (or the root key): from now on every request signed with it is answered
   * HTTP 403 `InvalidClientTokenId`, "The security token included in the request is invalid.", as AWS
   * answers a session it no longer accepts (the role deleted, the session's source key deactivated).
   * Requests already answered stay answered; the key's expiration is unchanged. Revoking a key it
   * never issued is allowed and only matters if that key is ever seen.
   */
  revoke(accessKeyId: string): void;
  /** The access key ids revoked so far. */
  readonly revoked: ReadonlySet<string>;
  /** Resolves when no request is being worked on (requests waiting on latency or hung are not). */
  idle(): Promise<void>;
  /** Answers every hung request with a reset, stops listening and frees the port. */
  close(): Promise<void>;
}

const LocalStsOptionsCodec = strictOptions(
  "LocalStsOptions",
  {},
  {
    clock: ClockCodec,
    accountId: refine(t.string, (s) => /^\d{12}$/.test(s), "a 12-digit AWS account id"),
    credentialLifetimeMs: refine(NonNegativeMillis, (ms) => ms > 0, "a number of milliseconds above 0"),
    rootCredentials: strictOptions(
      "root credentials",
      {
        accessKeyId: refine(t.string, (s) => /^AKIA[A-Z0-9]{12,}$/.test(s), "an access key id starting AKIA"),
        secretAccessKey: NonEmptyString,
      },
      {},
    ),
    verifyWebIdentityToken: functionCodec("a function (token) => boolean"),
    port: integerIn(0, 65_535),
  },
);

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";

const xmlEscape = (value: string): string =>
  value.replace(
    /[<>&'"]/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] ?? c,
  );

const randomKey = (prefix: string): string =>
  prefix +
  Array.from(randomBytes(16), (byte) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".charAt(byte % 32)).join("");

class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: "Sender" | "Receiver" = "Sender",
  ) {
    super(message);
  }
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/;

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    request.on("error", reject);
  });

/** `20300101T000000Z` → Date. */
const parseAmzDate = (value: string): Date | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [year = 0, month = 1, day = 0, hours = 0, minutes = 0, seconds = 0] = m.slice(1).map(Number);
  return new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
};

/**
 * Starts an STS on a free loopback port that speaks the STS Query protocol well enough for the real
 * `@aws-sdk/client-sts`: `AssumeRole`, `AssumeRoleWithWebIdentity` and `GetCallerIdentity`.
 *
 * Unlike moto's server, it checks every signed request the way AWS does: it recomputes the SigV4
 * signature with `@smithy/signature-v4` from the secret it issued, and answers `ExpiredToken` for a
 * session token past its expiration (by the injected clock), `InvalidClientTokenId` for an unknown key
 * or token, and `SignatureDoesNotMatch` for a bad signature. So a test that sends requests through it
 * proves that no request was signed with expired credentials.
 *
 * Faults can be scripted per request count with {@link LocalSts.inject}.
 *
 * @example
 * ```ts
 * import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
 * import { refreshingRole } from "aws-refresh-session";
 * import { localSts } from "aws-refresh-session/testing";
 *
 * const sts = await localSts();
 * const credentials = refreshingRole({
 *   roleArn: "arn:aws:iam::123456789012:role/Tester",
 *   region: "us-east-1",
 *   clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
 * });
 * const client = new STSClient({ region: "us-east-1", endpoint: sts.endpoint, credentials });
 * const { Arn } = await client.send(new GetCallerIdentityCommand({}));
 * sts.inject({ kind: "throttle" }, { times: 2 }); // the next two credential requests are throttled
 * client.destroy();
 * await sts.close();
 * ```
 * @category Local STS
 * @since 0.1.0
 */
export const localSts = async (options: LocalStsOptions = {}): Promise<LocalSts> => {
  decodeOptions("localSts", LocalStsOptionsCodec, options);
  const clock = options.clock ?? systemClock;
  const accountId = options.accountId ?? "123456789012";
  const rootCredentials = redactSecrets({
    ...(options.rootCredentials ?? {
      accessKeyId: "AKIALOCALSTSROOT0001",
      secretAccessKey: randomBytes(30).toString("base64"),
    }),
  });
  const verifyWebIdentityToken = options.verifyWebIdentityToken ?? ((token: string) => token.length > 0);

  const issued: IssuedCredentials[] = [];
  const byKey = new Map<string, IssuedCredentials>();
  const requests: StsRequestRecord[] = [];
  const counts: Record<StsAction, number> = {
    AssumeRole: 0,
    AssumeRoleWithWebIdentity: 0,
    GetCallerIdentity: 0,
  };
  const rejections: Record<string, number> = {};
  const revoked = new Set<string>();
  const faults: Array<{ fault: StsFault; remaining: number; action: StsAction | undefined }> = [];
  const sockets = new Set<Socket>();
  let closed = false;
  /** Requests being worked on: not those waiting on the clock (latency) or hung on purpose. */
  let busy = 0;
  let onIdle: Array<() => void> = [];
  const setBusy = (delta: number): void => {
    busy += delta;
    if (busy === 0) {
      const waiting = onIdle;
      onIdle = [];
      for (const resolve of waiting) resolve();
    }
  };
  const idle = (): Promise<void> =>
    busy === 0 ? Promise.resolve() : new Promise((resolve) => onIdle.push(resolve));
  /** Requests received so far: a change means a request came in while we looked away. */
  let arrivals = 0;
  // A manual clock waits for our answers before it moves time on (see ManualClock.settleWith). A
  // request can still be on its way (the client signing it, the socket connecting) when we are idle,
  // so wait until a whole turn of the event loop brings no new request and leaves nothing in hand.
  const quiet = async (): Promise<void> => {
    for (let turns = 0; turns < 50; turns++) {
      const seen = arrivals;
      await idle();
      await new Promise((resolve) => setTimeout(resolve, 0));
      await new Promise((resolve) => setImmediate(resolve));
      if (seen === arrivals && busy === 0) return;
    }
  };
  const unregister = (clock as Partial<ManualClock>).settleWith?.(quiet);

  const takeFault = (action: string): StsFault | undefined => {
    const index = faults.findIndex((entry) =>
      entry.action === undefined ? action !== "GetCallerIdentity" : entry.action === action,
    );
    const entry = faults[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) faults.splice(index, 1);
    return entry.fault;
  };

  /** Who signed the request, checked as AWS would; throws an StsError otherwise. */
  const authenticate = async (
    request: IncomingMessage,
    body: string,
  ): Promise<{ accessKeyId: string; arn: string; userId: string }> => {
    const header = request.headers.authorization;
    if (header === undefined) {
      throw new StsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
    }
    const match = AUTHORIZATION.exec(header);
    if (!match) throw new StsError(400, "IncompleteSignature", "Authorization header is malformed");
    const [, accessKeyId = "", , region = "", service = "", signedHeaderList = "", signature = ""] = match;
    const token = request.headers["x-amz-security-token"];
    if (revoked.has(accessKeyId)) {
      // What AWS answers for a session it no longer accepts; an expired one is ExpiredToken.
      throw new StsError(
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
      );
    }

    let secretAccessKey: string;
    let identity: { arn: string; userId: string };
    const session = byKey.get(accessKeyId);
    if (accessKeyId === rootCredentials.accessKeyId && token === undefined) {
      secretAccessKey = rootCredentials.secretAccessKey;
      identity = { arn: `arn:aws:iam::${accountId}:user/local-root`, userId: "AIDALOCALSTSROOT" };
    } else if (session !== undefined && token === session.sessionToken) {
      if (session.expiration.getTime() <= clock.now()) {
        throw new StsError(400, "ExpiredToken", "The security token included in the request is expired");
      }
      secretAccessKey = session.secretAccessKey;
      identity = {
        arn: session.arn,
        userId: `AROA${session.roleArn.length.toString().padStart(4, "0")}LOCAL:${session.roleSessionName}`,
      };
    } else {
      throw new StsError(
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
      );
    }

    const amzDate = request.headers["x-amz-date"];
    const signingDate = typeof amzDate === "string" ? parseAmzDate(amzDate) : undefined;
    if (signingDate === undefined)
      throw new StsError(400, "IncompleteSignature", "X-Amz-Date is missing or malformed");
    // The signature covers the payload through x-amz-content-sha256 when it is sent: the signer trusts
    // that header, so the header must be checked against the body, as AWS does.
    const declaredHash = request.headers["x-amz-content-sha256"];
    if (
      typeof declaredHash === "string" &&
      declaredHash !== createHash("sha256").update(body).digest("hex")
    ) {
      throw new StsError(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
      );
    }
    const headers: Record<string, string> = {};
    for (const name of signedHeaderList.split(";")) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
    }
    const url = new URL(request.url ?? "/", "http://localhost");
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => {
      query[key] = value;
    });
    const signer = new SignatureV4({
      credentials: {
        accessKeyId,
        secretAccessKey,
        ...(typeof token === "string" ? { sessionToken: token } : {}),
      },
      region,
      service,
      sha256: Sha256,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: request.method ?? "POST",
        protocol: "http:",
        hostname: (headers.host ?? "").split(":")[0] ?? "",
        path: url.pathname,
        query,
        headers,
        body,
      },
      { signingDate, signingRegion: region, signingService: service },
    );
    const expected = AUTHORIZATION.exec(String(signed.headers.authorization));
    if (expected?.[6] !== signature || expected[5] !== signedHeaderList) {
      throw new StsError(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
      );
    }
    return { accessKeyId, ...identity };
  };

  const issue = (
    action: StsAction,
    params: Record<string, string>,
    fault: StsFault | undefined,
  ): { xml: string; credentials: IssuedCredentials } => {
    const roleArn = params.RoleArn ?? "";
    const roleSessionName = params.RoleSessionName ?? "";
    const roleMatch = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(roleArn);
    if (!roleMatch) throw new StsError(400, "ValidationError", `${roleArn} is invalid`);
    if (!/^[\w+=,.@-]{2,64}$/.test(roleSessionName)) {
      throw new StsError(
        400,
        "ValidationError",
        "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint",
      );
    }
    const durationSeconds = params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds);
    if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43_200) {
      throw new StsError(400, "ValidationError", "The requested DurationSeconds exceeds the allowed range");
    }
    const now = clock.now();
    const lifetimeMs = options.credentialLifetimeMs ?? durationSeconds * 1000;
    const expiration = new Date(fault?.kind === "expired" ? now - 1000 : now + lifetimeMs);
    const arn = `arn:aws:sts::${roleMatch[1]}:assumed-role/${roleMatch[2]}/${roleSessionName}`;
    const credentials = redactSecrets<IssuedCredentials>({
      accessKeyId: randomKey("ASIA"),
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: `IQoJ${randomBytes(96).toString("base64")}`,
      expiration,
      ...(roleMatch[1] === undefined ? {} : { accountId: roleMatch[1] }),
      action,
      arn,
      roleArn,
      roleSessionName,
      issuedAt: new Date(now),
    });
    const credentialsXml =
      fault?.kind === "no-credentials"
        ? ""
        : `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId>` +
          `<SecretAccessKey>${xmlEscape(credentials.secretAccessKey)}</SecretAccessKey>` +
          `<SessionToken>${xmlEscape(credentials.sessionToken)}</SessionToken>` +
          `<Expiration>${expiration.toISOString()}</Expiration></Credentials>`;
    const extra =
      action === "AssumeRoleWithWebIdentity"
        ? `<SubjectFromWebIdentityToken>local-subject</SubjectFromWebIdentityToken><Provider>local-idp</Provider><Audience>sts.amazonaws.com</Audience>`
        : `<PackedPolicySize>0</PackedPolicySize>`;
    const xml =
      `<${action}Response xmlns="${NS}"><${action}Result>${credentialsXml}` +
      `<AssumedRoleUser><AssumedRoleId>AROALOCAL:${xmlEscape(roleSessionName)}</AssumedRoleId><Arn>${xmlEscape(arn)}</Arn></AssumedRoleUser>` +
      `${extra}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
    return { xml, credentials };
  };

  const send = (response: ServerResponse, status: number, xml: string): void => {
    response.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": randomUUID() });
    response.end(xml);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    arrivals++;
    let working = true;
    setBusy(1);
    const pause = (): void => {
      if (working) {
        working = false;
        setBusy(-1);
      }
    };
    const resume = (): void => {
      if (!working) {
        working = true;
        setBusy(1);
      }
    };
    try {
      await answer(request, response, pause, resume);
    } catch (error) {
      const stsError =
        error instanceof StsError
          ? error
          : new StsError(500, "InternalFailure", "An internal error occurred", "Receiver");
      rejections[stsError.code] = (rejections[stsError.code] ?? 0) + 1;
      if (!response.headersSent && !response.destroyed) {
        send(
          response,
          stsError.status,
          `<ErrorResponse xmlns="${NS}"><Error><Type>${stsError.type}</Type><Code>${stsError.code}</Code>` +
            `<Message>${xmlEscape(stsError.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        );
      }
    } finally {
      pause();
    }
  };

  const answer = async (
    request: IncomingMessage,
    response: ServerResponse,
    pause: () => void,
    resume: () => void,
  ): Promise<void> => {
    const body = await readBody(request);
    const params = Object.fromEntries(new URLSearchParams(body));
    const action = params.Action ?? "";
    const logged = { ...params };
    if (logged.WebIdentityToken !== undefined)
      logged.WebIdentityToken = `<${logged.WebIdentityToken.length} characters>`;
    const record = (outcome: string, accessKeyId?: string): void => {
      requests.push({
        action,
        params: logged,
        outcome,
        ...(accessKeyId === undefined ? {} : { accessKeyId }),
        at: new Date(clock.now()),
      });
    };
    if (action in counts) counts[action as StsAction] += 1;

    let fault = takeFault(action);
    if (fault?.kind === "latency") {
      // Waiting on the clock is not work: a manual clock must be free to move while we wait.
      pause();
      await clock.sleep(fault.ms);
      resume();
      fault = undefined;
      if (closed) return;
    }
    switch (fault?.kind) {
      case "reset":
        record("fault:reset");
        request.socket.destroy();
        return;
      case "hang":
        record("fault:hang");
        pause();
        return;
      case "malformed":
        record("fault:malformed");
        send(response, 200, "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>");
        return;
      case "throttle":
        record("fault:throttle");
        throw new StsError(400, "Throttling", "Rate exceeded");
      case "server-error":
        record(`fault:server-error-${fault.status}`);
        throw fault.status === 503
          ? new StsError(503, "ServiceUnavailable", "Service is unavailable", "Receiver")
          : new StsError(500, "InternalFailure", "An internal error occurred", "Receiver");
      default:
        break;
    }

    let caller: { accessKeyId: string; arn: string; userId: string } | undefined;
    try {
      if (action === "AssumeRoleWithWebIdentity") {
        const token = params.WebIdentityToken ?? "";
        if (!verifyWebIdentityToken(token)) {
          throw new StsError(400, "InvalidIdentityToken", "The web identity token is not valid");
        }
      } else {
        caller = await authenticate(request, body);
      }
      if (action === "GetCallerIdentity") {
        record("ok", caller?.accessKeyId);
        send(
          response,
          200,
          `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult><Arn>${xmlEscape(caller?.arn ?? "")}</Arn>` +
            `<UserId>${xmlEscape(caller?.userId ?? "")}</UserId><Account>${accountId}</Account></GetCallerIdentityResult>` +
            `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        );
        return;
      }
      if (action !== "AssumeRole" && action !== "AssumeRoleWithWebIdentity") {
        throw new StsError(400, "InvalidAction", `Could not find operation ${action}`);
      }
      const { xml, credentials } = issue(action, params, fault);
      if (fault?.kind !== "no-credentials") {
        issued.push(credentials);
        byKey.set(credentials.accessKeyId, credentials);
      }
      record(fault === undefined ? "ok" : `fault:${fault.kind}`, caller?.accessKeyId);
      send(response, 200, xml);
    } catch (error) {
      // A rejected request is recorded with the key it claims, so a test can tell which key was refused.
      const claimed = AUTHORIZATION.exec(request.headers.authorization ?? "")?.[1];
      if (error instanceof StsError) record(error.code, caller?.accessKeyId ?? claimed);
      throw error;
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // Nobody awaits the server itself: it must not keep a finished test process alive.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    rootCredentials,
    issued,
    requests,
    counts,
    rejections,
    inject(fault, schedule = {}) {
      faults.push({ fault, remaining: schedule.times ?? 1, action: schedule.action });
    },
    clearFaults() {
      faults.length = 0;
    },
    revoke(accessKeyId) {
      revoked.add(accessKeyId);
    },
    revoked,
    idle,
    async close() {
      if (closed) return;
      closed = true;
      unregister?.();
      faults.length = 0;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
};
