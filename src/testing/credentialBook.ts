/**
 * The local STS's book of who may call it: the root key, every session it issued, the keys it revoked.
 * Apart from the HTTP handling because it is the part a test relies on to prove something (that no
 * request was signed with expired or revoked credentials), and it reads best on its own.
 *
 * @packageDocumentation
 */
import type { Clock } from "../core/Clock";
import type { IssuedCredentials } from "./localSts";
import { invalidClientTokenId, StsError } from "./StsError";
import { readAuthorization, verifySignature, type SignedRequest } from "./verifySignature";

/**
 * Who signed a request, as `GetCallerIdentity` describes them.
 *
 * @internal
 */
export interface Caller {
  readonly accessKeyId: string;
  readonly arn: string;
  readonly userId: string;
}

/**
 * The keys the local STS accepts, and the sessions behind them.
 *
 * @internal
 */
export interface CredentialBook {
  /** Every set of credentials issued, oldest first: the very array `LocalSts.issued` shows. */
  readonly issued: readonly IssuedCredentials[];
  /** The access key ids revoked so far: the very set `LocalSts.revoked` shows. */
  readonly revoked: ReadonlySet<string>;
  /** Records credentials handed out, whose key is accepted from now on until they expire. */
  keep(credentials: IssuedCredentials): void;
  revoke(accessKeyId: string): void;
  /** Who signed the request, checked as AWS would; throws an {@link StsError} otherwise. */
  authenticate(request: SignedRequest, body: string): Promise<Caller>;
}

/**
 * An empty book that accepts `rootCredentials`, as an IAM user of `accountId`.
 *
 * @internal
 */
export const credentialBook = (terms: {
  readonly clock: Clock;
  readonly accountId: string;
  readonly rootCredentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}): CredentialBook => {
  const { clock, accountId, rootCredentials } = terms;
  const issued: IssuedCredentials[] = [];
  const byKey = new Map<string, IssuedCredentials>();
  const revoked = new Set<string>();
  return {
    issued,
    revoked,
    keep(credentials) {
      issued.push(credentials);
      byKey.set(credentials.accessKeyId, credentials);
    },
    revoke(accessKeyId) {
      revoked.add(accessKeyId);
    },
    async authenticate(request, body) {
      const authorization = readAuthorization(request);
      const { accessKeyId } = authorization;
      const token = request.headers["x-amz-security-token"];
      // What AWS answers for a session it no longer accepts; an expired one is ExpiredToken.
      if (revoked.has(accessKeyId)) throw invalidClientTokenId();

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
        throw invalidClientTokenId();
      }
      await verifySignature(request, body, authorization, secretAccessKey);
      return { accessKeyId, ...identity };
    },
  };
};
