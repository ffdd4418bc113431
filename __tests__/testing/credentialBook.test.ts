import { manualClock } from "../../src/testing";
import { credentialBook } from "../../src/testing/credentialBook";
import { issueCredentials } from "../../src/testing/issueCredentials";
import { signedRequest } from "../support/signedRequest";

const root = { accessKeyId: "AKIABOOKTEST00000001", secretAccessKey: "root-secret" };
const body = "Action=GetCallerIdentity&Version=2011-06-15";

const signedBy = (key: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
  signedRequest(key, body);

const setUp = () => {
  const clock = manualClock(Date.UTC(2031, 0, 1));
  const book = credentialBook({ clock, accountId: "123456789012", rootCredentials: root });
  const session = issueCredentials(
    "AssumeRole",
    { RoleArn: "arn:aws:iam::123456789012:role/Reader", RoleSessionName: "book" },
    { now: clock.now(), lifetimeMs: 60_000 },
  );
  return { clock, book, session };
};

const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => "accepted",
    (error: unknown) => (error as { code?: unknown }).code,
  );

describe("credentialBook", () => {
  it("knows the root key as an IAM user of the account", async () => {
    const { book } = setUp();
    await expect(book.authenticate(await signedBy(root), body)).resolves.toEqual({
      accessKeyId: root.accessKeyId,
      arn: "arn:aws:iam::123456789012:user/local-root",
      userId: "AIDALOCALSTSROOT",
    });
  });

  it("accepts a session it keeps until it expires by the clock, then answers ExpiredToken", async () => {
    const { clock, book, session } = setUp();
    const request = await signedBy(session);
    expect(await codeOf(book.authenticate(request, body))).toBe("InvalidClientTokenId");
    book.keep(session);
    expect(book.issued).toEqual([session]);
    await expect(book.authenticate(request, body)).resolves.toMatchObject({
      accessKeyId: session.accessKeyId,
      arn: "arn:aws:sts::123456789012:assumed-role/Reader/book",
    });
    await clock.advance(60_000);
    expect(await codeOf(book.authenticate(request, body))).toBe("ExpiredToken");
  });

  it("refuses a revoked key, a session's key without its token, and a wrong secret", async () => {
    const { book, session } = setUp();
    book.keep(session);
    const { sessionToken: _, ...withoutToken } = session;
    expect(await codeOf(book.authenticate(await signedBy(withoutToken), body))).toBe("InvalidClientTokenId");
    const forged = await signedBy({ ...session, secretAccessKey: "guessed" });
    expect(await codeOf(book.authenticate(forged, body))).toBe("SignatureDoesNotMatch");
    book.revoke(session.accessKeyId);
    expect(book.revoked.has(session.accessKeyId)).toBe(true);
    expect(await codeOf(book.authenticate(await signedBy(session), body))).toBe("InvalidClientTokenId");
  });
});
