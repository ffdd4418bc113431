import type { IncomingHttpHeaders } from "node:http";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import type { SignedRequest } from "../../src/testing/verifySignature";

/**
 * A request to an STS endpoint as Node hands it to the local STS: signed by the SDK's own signer with
 * `key`, header names in lower case. What the local STS's signature check and key book are tested on.
 */
export const signedRequest = async (
  key: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string },
  body: string,
  { applyChecksum = false, headers = {} }: { applyChecksum?: boolean; headers?: Record<string, string> } = {},
): Promise<SignedRequest> => {
  const signer = new SignatureV4({
    credentials: key,
    region: "us-east-1",
    service: "sts",
    sha256: Sha256,
    applyChecksum,
  });
  const request = await signer.sign({
    method: "POST",
    protocol: "http:",
    hostname: "127.0.0.1",
    path: "/",
    query: {},
    headers: { host: "127.0.0.1:4566", "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
  });
  const lower: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) lower[name.toLowerCase()] = value;
  return { method: "POST", url: "/", headers: lower };
};
