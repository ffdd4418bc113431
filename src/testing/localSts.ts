import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
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
import { credentialBook } from "./credentialBook";
import { faultQueue } from "./faultQueue";
import type { ManualClock } from "./manualClock";
import { requestActivity } from "./requestActivity";
import { stsQueryHandler } from "./stsQueryHandler";

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

const LocalStsOptionsCodec = /* @__PURE__ */ strictOptions(
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

  const book = credentialBook({ clock, accountId, rootCredentials });
  const requests: StsRequestRecord[] = [];
  const counts: Record<StsAction, number> = {
    AssumeRole: 0,
    AssumeRoleWithWebIdentity: 0,
    GetCallerIdentity: 0,
  };
  const rejections: Record<string, number> = {};
  const faults = faultQueue();
  const activity = requestActivity();
  const sockets = new Set<Socket>();
  let closed = false;
  const unregister = (clock as Partial<ManualClock>).settleWith?.(activity.quiet);
  const handle = stsQueryHandler({
    clock,
    accountId,
    credentialLifetimeMs: options.credentialLifetimeMs,
    verifyWebIdentityToken,
    book,
    faults,
    activity,
    requests,
    counts,
    rejections,
    closed: () => closed,
  });

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // The server's end of a kept-alive connection would hold the process for the keep-alive timeout
    // (5 s) after its last answer. A caller waiting for an answer is held by its own end.
    socket.unref();
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
    issued: book.issued,
    requests,
    counts,
    rejections,
    inject(fault, schedule) {
      faults.inject(fault, schedule);
    },
    clearFaults() {
      faults.clear();
    },
    revoke(accessKeyId) {
      book.revoke(accessKeyId);
    },
    revoked: book.revoked,
    idle: activity.idle,
    async close() {
      if (closed) return;
      closed = true;
      unregister?.();
      faults.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
};
