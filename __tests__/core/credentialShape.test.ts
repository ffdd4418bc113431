import fc from "fast-check";
import { isRight } from "fp-ts/Either";
import { CredentialsCodec, credentialShapeProblems } from "../../src/core/credentialShape";

const valid = { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "do-not-show", sessionToken: "token" };

describe("credentialShape: what counts as credentials, for every place that receives them", () => {
  it("names each field that is wrong, never its value", () => {
    expect(credentialShapeProblems(valid)).toEqual([]);
    const problems = credentialShapeProblems({
      accessKeyId: "",
      secretAccessKey: 5,
      sessionToken: 7,
      accountId: {},
      expiration: new Date(Number.NaN),
    });
    expect(problems).toEqual([
      "accessKeyId is not a non-empty string",
      "secretAccessKey is not a non-empty string",
      "sessionToken is not a string",
      "accountId is not a string",
      "expiration is not a valid Date",
    ]);
    expect(credentialShapeProblems(null)).toEqual(["null"]);
    expect(credentialShapeProblems("do-not-show")).toEqual(["a string"]);
    expect(JSON.stringify(credentialShapeProblems({ ...valid, accessKeyId: 1 }))).not.toContain(
      "do-not-show",
    );
  });

  it("asks a cache entry for its expiration, a source's answer only for a valid one if any", () => {
    expect(credentialShapeProblems(valid)).toEqual([]);
    expect(credentialShapeProblems(valid, "required")).toEqual(["expiration is not a valid Date"]);
    expect(credentialShapeProblems({ ...valid, expiration: new Date() }, "required")).toEqual([]);
  });

  it("agrees with the codec of custom sources: whatever it decodes is credentials with an expiration", () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            accessKeyId: fc.oneof(fc.string(), fc.integer()),
            secretAccessKey: fc.oneof(fc.string(), fc.constant(undefined)),
            sessionToken: fc.oneof(fc.string(), fc.integer()),
            accountId: fc.oneof(fc.string(), fc.boolean()),
            expiration: fc.oneof(
              fc.date(),
              fc.integer({ min: 0, max: 2 ** 42 }),
              fc.constant("2030-01-01T00:00:00Z"),
              fc.string(),
            ),
          },
          { requiredKeys: [] },
        ),
        (value) => {
          const decoded = CredentialsCodec.decode(value);
          if (isRight(decoded)) expect(credentialShapeProblems(decoded.right, "required")).toEqual([]);
        },
      ),
    );
  });
});
