/**
 * How the local STS answers one HTTP request: the Query protocol's form body read, the scripted fault
 * applied, the caller authenticated, the action answered, and every request recorded. Apart from the
 * server's lifecycle (listening, sockets, `close`), so that what a test sees for a request is read in
 * one place, top to bottom.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../core/Clock";
import type { Caller, CredentialBook } from "./credentialBook";
import type { FaultQueue } from "./faultQueue";
import { issueCredentials } from "./issueCredentials";
import type { StsAction, StsRequestRecord } from "./localSts";
import type { RequestActivity, RequestWork } from "./requestActivity";
import { internalFailure, StsError } from "./StsError";
import {
  callerIdentityResponse,
  credentialsResponse,
  errorResponse,
  malformedResponse,
  sendXml,
} from "./stsResponses";
import { parseAuthorization } from "./verifySignature";

/**
 * What the handler reads and writes: the server's settings, its book and faults, and the records
 * `LocalSts` shows (the very arrays and maps, updated in place).
 *
 * @internal
 */
export interface StsQueryState {
  readonly clock: Clock;
  readonly accountId: string;
  readonly credentialLifetimeMs: number | undefined;
  readonly verifyWebIdentityToken: (token: string) => boolean;
  readonly book: CredentialBook;
  readonly faults: FaultQueue;
  readonly activity: RequestActivity;
  readonly requests: StsRequestRecord[];
  readonly counts: Record<StsAction, number>;
  readonly rejections: Record<string, number>;
  /** Whether `close()` was called: a request that waited on latency is then dropped. */
  readonly closed: () => boolean;
}

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    request.on("error", reject);
  });

/**
 * The local STS's request listener: answers each request as STS would, or as the next scripted fault
 * says, and turns anything it throws into STS's error document.
 *
 * @internal
 */
export const stsQueryHandler = (
  state: StsQueryState,
): ((request: IncomingMessage, response: ServerResponse) => Promise<void>) => {
  const { clock, accountId, book, faults, requests, counts, rejections } = state;

  const answer = async (
    request: IncomingMessage,
    response: ServerResponse,
    work: RequestWork,
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

    let fault = faults.take(action);
    if (fault?.kind === "latency") {
      // Waiting on the clock is not work: a manual clock must be free to move while we wait.
      work.pause();
      await clock.sleep(fault.ms);
      work.resume();
      fault = undefined;
      if (state.closed()) return;
    }
    switch (fault?.kind) {
      case "reset":
        record("fault:reset");
        request.socket.destroy();
        return;
      case "hang":
        record("fault:hang");
        work.pause();
        return;
      case "malformed":
        record("fault:malformed");
        sendXml(response, 200, malformedResponse);
        return;
      case "throttle":
        record("fault:throttle");
        throw new StsError(400, "Throttling", "Rate exceeded");
      case "server-error":
        record(`fault:server-error-${fault.status}`);
        throw fault.status === 503
          ? new StsError(503, "ServiceUnavailable", "Service is unavailable", "Receiver")
          : internalFailure();
      default:
        break;
    }

    let caller: Caller | undefined;
    try {
      if (action === "AssumeRoleWithWebIdentity") {
        const token = params.WebIdentityToken ?? "";
        if (!state.verifyWebIdentityToken(token)) {
          throw new StsError(400, "InvalidIdentityToken", "The web identity token is not valid");
        }
      } else {
        caller = await book.authenticate(request, body);
      }
      if (action === "GetCallerIdentity") {
        record("ok", caller?.accessKeyId);
        sendXml(
          response,
          200,
          callerIdentityResponse({
            arn: caller?.arn ?? "",
            userId: caller?.userId ?? "",
            account: accountId,
          }),
        );
        return;
      }
      if (action !== "AssumeRole" && action !== "AssumeRoleWithWebIdentity") {
        throw new StsError(400, "InvalidAction", `Could not find operation ${action}`);
      }
      const credentials = issueCredentials(action, params, {
        now: clock.now(),
        lifetimeMs: state.credentialLifetimeMs,
        expired: fault?.kind === "expired",
      });
      const withCredentials = fault?.kind !== "no-credentials";
      if (withCredentials) book.keep(credentials);
      record(fault === undefined ? "ok" : `fault:${fault.kind}`, caller?.accessKeyId);
      sendXml(response, 200, credentialsResponse(action, credentials, withCredentials));
    } catch (error) {
      // A rejected request is recorded with the key it claims, so a test can tell which key was refused.
      const claimed = parseAuthorization(request.headers.authorization)?.accessKeyId;
      if (error instanceof StsError) record(error.code, caller?.accessKeyId ?? claimed);
      throw error;
    }
  };

  return async (request, response) => {
    const work = state.activity.begin();
    try {
      await answer(request, response, work);
    } catch (error) {
      const stsError = error instanceof StsError ? error : internalFailure();
      rejections[stsError.code] = (rejections[stsError.code] ?? 0) + 1;
      if (!response.headersSent && !response.destroyed) {
        sendXml(response, stsError.status, errorResponse(stsError));
      }
    } finally {
      work.pause();
    }
  };
};
