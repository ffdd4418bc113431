import { CredentialCacheError } from "../../src";

describe("CredentialCacheError", () => {
  it("keeps a plain record of a store's error, not the error, and hides keys and tokens", () => {
    const token = "FwoGZXIvYXdzEXAMPLEsessionTOKEN1234567890abcdef";
    const stored = Object.assign(new Error(`EACCES while writing ${token}`), { code: "EACCES", raw: token });
    const error = new CredentialCacheError("unwritable", "/tmp/x.json", `cannot write ${token}`, {
      cause: stored,
    });
    expect(error.message).toBe("credential cache entry /tmp/x.json: unwritable: cannot write [hidden]");
    expect(error.cause).toEqual({ name: "Error", code: "EACCES", message: "EACCES while writing [hidden]" });
    expect(JSON.stringify(error.cause)).not.toContain(token);
    expect(stored.raw).toBe(token);
  });
});
