import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import {
  parseAuthorization,
  readAuthorization,
  verifySignature,
  type SignedRequest,
} from "../../src/testing/verifySignature";
import { signedRequest } from "../support/signedRequest";

const key = { accessKeyId: "AKIAVERIFYTEST000001", secretAccessKey: "the-secret" };
const body = "Action=AssumeRole&RoleSessionName=unit&Version=2011-06-15";

const signed = (
  signedBody: string,
  options: { applyChecksum?: boolean; headers?: Record<string, string> } = {},
): Promise<SignedRequest> => signedRequest(key, signedBody, options);

const verify = async (request: SignedRequest, sentBody: string, secret = key.secretAccessKey) =>
  verifySignature(request, sentBody, readAuthorization(request), secret);

describe("readAuthorization", () => {
  it("reads the key, scope, signed headers and signature of a SigV4 header", async () => {
    const request = await signed(body);
    expect(readAuthorization(request)).toEqual({
      accessKeyId: key.accessKeyId,
      region: "us-east-1",
      service: "sts",
      signedHeaders: "content-type;host;x-amz-date",
      signature: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it("answers MissingAuthenticationToken without a header, IncompleteSignature for another scheme", () => {
    const thrown = (headers: IncomingHttpHeaders): unknown => {
      try {
        return readAuthorization({ headers });
      } catch (error) {
        return error;
      }
    };
    expect(thrown({})).toMatchObject({ status: 403, code: "MissingAuthenticationToken" });
    expect(thrown({ authorization: "Basic dXNlcjpwYXNz" })).toMatchObject({
      status: 400,
      code: "IncompleteSignature",
    });
    expect(parseAuthorization(undefined)).toBeUndefined();
  });
});

describe("verifySignature", () => {
  it("accepts a request signed with the secret, over the body sent", async () => {
    await expect(verify(await signed(body), body)).resolves.toBeUndefined();
  });

  it("rejects a body changed after signing", async () => {
    await expect(
      verify(await signed(body), body.replace("RoleSessionName=unit", "RoleSessionName=evil")),
    ).rejects.toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("rejects a signature made with another secret", async () => {
    await expect(verify(await signed(body), body, "another-secret")).rejects.toMatchObject({
      code: "SignatureDoesNotMatch",
    });
  });

  it("rejects a signed header changed after signing", async () => {
    const request = await signed(body);
    const moved = { ...request, headers: { ...request.headers, host: "127.0.0.1:9999" } };
    await expect(verify(moved, body)).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
  });

  it("checks x-amz-content-sha256 against the body, since the signature only covers that header", async () => {
    const withHash = await signed(body, { applyChecksum: true });
    expect(withHash.headers["x-amz-content-sha256"]).toBe(createHash("sha256").update(body).digest("hex"));
    await expect(verify(withHash, body)).resolves.toBeUndefined();
    // The signer trusts the declared hash: the recomputed signature matches whatever the body is, so
    // only the comparison of that header with the body catches the swap.
    await expect(verify(withHash, "Action=AssumeRole&RoleSessionName=evil")).rejects.toMatchObject({
      code: "SignatureDoesNotMatch",
    });
  });

  it("answers IncompleteSignature when X-Amz-Date is missing or malformed", async () => {
    const request = await signed(body);
    for (const date of [undefined, "2030-01-01T00:00:00Z"]) {
      const headers = { ...request.headers, "x-amz-date": date };
      await expect(verify({ ...request, headers }, body)).rejects.toMatchObject({
        status: 400,
        code: "IncompleteSignature",
      });
    }
  });
});
