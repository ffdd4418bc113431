import { inspect } from "node:util";
import { redactSecrets } from "../../src";

describe("redactSecrets", () => {
  it("returns a redacting copy and leaves the caller's object as it was", () => {
    const given = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cr3t", sessionToken: "t0k3n" };
    const before = Reflect.ownKeys(given);
    const redacted = redactSecrets(given);
    expect(redacted).not.toBe(given);
    expect(Reflect.ownKeys(given)).toEqual(before);
    expect(JSON.stringify(given)).toContain("s3cr3t");
    expect(JSON.stringify(redacted)).toBe(
      '{"accessKeyId":"AKIAEXAMPLE","secretAccessKey":"[redacted]","sessionToken":"[redacted]"}',
    );
    expect(inspect(redacted)).not.toContain("s3cr3t");
    expect(redacted.secretAccessKey).toBe("s3cr3t");
    expect({ ...redacted }).toEqual(given);
  });

  it("works on a frozen object, which it could not have changed", () => {
    const frozen = Object.freeze({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cr3t" });
    expect(JSON.stringify(redactSecrets(frozen))).not.toContain("s3cr3t");
  });
});
