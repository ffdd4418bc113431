/**
 * SigV4 verification for the local STS: the checks AWS makes on a signed request, so that a test
 * passing through the local STS proves what was signed with which key.
 *
 * @packageDocumentation
 */
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { signatureDoesNotMatch, StsError } from "./StsError";

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/;

/**
 * The parts of a SigV4 `Authorization` header the verification needs.
 *
 * @internal
 */
export interface Authorization {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
  /** As sent: header names joined by `;`. */
  readonly signedHeaders: string;
  readonly signature: string;
}

/**
 * What {@link verifySignature} reads of a request: the shape of Node's `IncomingMessage`.
 *
 * @internal
 */
export interface SignedRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

/**
 * The `Authorization` header's parts, or `undefined` when it is not a SigV4 header.
 *
 * @internal
 */
export const parseAuthorization = (header: string | undefined): Authorization | undefined => {
  const match = AUTHORIZATION.exec(header ?? "");
  if (!match) return undefined;
  const [, accessKeyId = "", , region = "", service = "", signedHeaders = "", signature = ""] = match;
  return { accessKeyId, region, service, signedHeaders, signature };
};

/**
 * The request's `Authorization` header, parsed; throws the {@link StsError} AWS answers when it is
 * missing or malformed.
 *
 * @internal
 */
export const readAuthorization = (request: SignedRequest): Authorization => {
  const header = request.headers.authorization;
  if (header === undefined) {
    throw new StsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
  }
  const authorization = parseAuthorization(header);
  if (authorization === undefined) {
    throw new StsError(400, "IncompleteSignature", "Authorization header is malformed");
  }
  return authorization;
};

/** `20300101T000000Z` → Date. */
const parseAmzDate = (value: string): Date | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [year = 0, month = 1, day = 0, hours = 0, minutes = 0, seconds = 0] = m.slice(1).map(Number);
  return new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
};

/**
 * Recomputes the request's SigV4 signature with `@smithy/signature-v4` from `secretAccessKey`, over
 * the headers it claims to sign and `body`, and throws the {@link StsError} AWS answers when the date
 * is missing, when `x-amz-content-sha256` is not the body's hash, or when the signatures differ.
 *
 * @internal
 */
export const verifySignature = async (
  request: SignedRequest,
  body: string,
  authorization: Authorization,
  secretAccessKey: string,
): Promise<void> => {
  const { accessKeyId, region, service, signedHeaders, signature } = authorization;
  const token = request.headers["x-amz-security-token"];
  const amzDate = request.headers["x-amz-date"];
  const signingDate = typeof amzDate === "string" ? parseAmzDate(amzDate) : undefined;
  if (signingDate === undefined)
    throw new StsError(400, "IncompleteSignature", "X-Amz-Date is missing or malformed");
  // The signature covers the payload through x-amz-content-sha256 when it is sent: the signer trusts
  // that header, so the header must be checked against the body, as AWS does.
  const declaredHash = request.headers["x-amz-content-sha256"];
  if (typeof declaredHash === "string" && declaredHash !== createHash("sha256").update(body).digest("hex")) {
    throw signatureDoesNotMatch();
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(";")) {
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
  const expected = parseAuthorization(String(signed.headers.authorization));
  if (expected?.signature !== signature || expected.signedHeaders !== signedHeaders) {
    throw signatureDoesNotMatch();
  }
};
