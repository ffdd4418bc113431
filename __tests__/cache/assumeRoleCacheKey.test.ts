import fc from "fast-check";
import { assumeRoleCacheKey, InvalidOptionsError, type AssumeRoleCacheKeyInput } from "../../src";
import { assumeRoleCacheKeyText } from "../../src/cache/assumeRoleCacheKey";
import { pythonJsonDumps, pythonJsonLoads } from "../../src/cache/pythonJson";
import { describeWithPython, runPython } from "../support/python";

const roleArn = "arn:aws:iam::123456789012:role/cli-role";

/** The key botocore itself computes: its AssumeRoleCredentialFetcher, given the same arguments. */
const BOTOCORE_KEYS = `
import json, sys
from botocore.credentials import AssumeRoleCredentialFetcher
out = []
for case in json.load(sys.stdin):
    role_arn = case.pop("RoleArn")
    fetcher = AssumeRoleCredentialFetcher(None, None, role_arn, extra_args=case, cache={})
    out.append(fetcher._cache_key)
print(json.dumps(out))
`;

/** The same arguments by their STS names, as a CLI profile (or boto3's extra_args) gives them. */
const botocoreArgs = (input: AssumeRoleCacheKeyInput): Record<string, unknown> => ({
  RoleArn: input.roleArn,
  ...(input.roleSessionName === undefined ? {} : { RoleSessionName: input.roleSessionName }),
  ...(input.externalId === undefined ? {} : { ExternalId: input.externalId }),
  ...(input.mfa === undefined ? {} : { SerialNumber: input.mfa.serialNumber }),
  ...(input.durationSeconds === undefined ? {} : { DurationSeconds: input.durationSeconds }),
  ...(input.policy === undefined ? {} : { Policy: input.policy }),
  ...(input.policyArns === undefined ? {} : { PolicyArns: input.policyArns.map((arn) => ({ arn })) }),
  ...(input.tags === undefined
    ? {}
    : { Tags: input.tags.map(({ key, value }) => ({ Key: key, Value: value })) }),
  ...(input.transitiveTagKeys === undefined ? {} : { TransitiveTagKeys: input.transitiveTagKeys }),
  ...(input.sourceIdentity === undefined ? {} : { SourceIdentity: input.sourceIdentity }),
});

const policy = (statementExtras: Record<string, unknown>, raw?: string): string =>
  raw ??
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", ...statementExtras }],
  });

const cases: Array<[string, AssumeRoleCacheKeyInput]> = [
  ["the role alone", { roleArn }],
  ["a chosen session name", { roleArn, roleSessionName: "nightly-etl" }],
  ["an external id", { roleArn, externalId: "ext:id/with=chars" }],
  ["an MFA device", { roleArn, mfa: { serialNumber: "arn:aws:iam::123456789012:mfa/alice" } }],
  ["a duration", { roleArn, durationSeconds: 43_200 }],
  [
    "all that a CLI profile can set",
    {
      roleArn,
      roleSessionName: "alice",
      externalId: "xyz",
      mfa: { serialNumber: "GAHT12345678" },
      durationSeconds: 900,
    },
  ],
  ["a policy with keys out of order", { roleArn, policy: '{"Version":"2012-10-17","Statement":[]}' }],
  [
    "a policy with non-ASCII text: Latin, CJK, an astral emoji (a surrogate pair), DEL and control characters",
    {
      roleArn,
      policy: policy({
        Sid: "Café",
        Condition: { StringEquals: { "aws:PrincipalTag/名前": '😀 naïve\u007f\t"q"\\ /' } },
      }),
    },
  ],
  [
    "a policy whose keys sort differently by code point than by UTF-16 unit",
    { roleArn, policy: '{"\uffff": 1, "😀": 2, "a": {"\ue000": 3, "\ud83d\ude01": 4}}' },
  ],
  [
    "a policy with numbers Python reads as floats and big ints",
    {
      roleArn,
      policy:
        '{"a": 1.0, "b": 1e16, "c": 1E-5, "d": -0, "e": -0.0, "f": 123456789012345678901234567890, "g": 0.1, "h": 2.5e-7, "i": 1e15, "j": 12345.678e2}',
    },
  ],
  [
    "a policy with a duplicate key (the last wins)",
    { roleArn, policy: '{"a": 1, "a": 2, "b": [true, false, null]}' },
  ],
  [
    "the arguments a profile cannot set",
    {
      roleArn,
      policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
      tags: [{ key: "team", value: "data" }],
      transitiveTagKeys: ["team"],
      sourceIdentity: "alice",
    },
  ],
];

describe("assumeRoleCacheKey", () => {
  describeWithPython("against botocore's own _create_cache_key", () => {
    it.each([["(all cases in one Python process)"]])("gives botocore's key for every argument set %s", () => {
      const expected = runPython(
        BOTOCORE_KEYS,
        cases.map(([, input]) => botocoreArgs(input)),
      ) as string[];
      const ours = cases.map(([name, input]) => [name, assumeRoleCacheKey(input)]);
      expect(ours).toEqual(cases.map(([name], i) => [name, expected[i]]));
      // The cases differ from each other, so equal keys mean something.
      expect(new Set(expected).size).toBe(cases.length);
    });

    it("is also botocore's key for the role assumed with a web identity (role_arn, role_session_name)", () => {
      const program = `
import json, sys
from botocore.credentials import AssumeRoleWithWebIdentityCredentialFetcher
out = []
for case in json.load(sys.stdin):
    role_arn = case.pop("RoleArn")
    out.append(AssumeRoleWithWebIdentityCredentialFetcher(None, lambda: "token", role_arn, extra_args=case, cache={})._cache_key)
print(json.dumps(out))
`;
      const inputs: AssumeRoleCacheKeyInput[] = [{ roleArn }, { roleArn, roleSessionName: "pod-7" }];
      expect(inputs.map(assumeRoleCacheKey)).toEqual(runPython(program, inputs.map(botocoreArgs)));
    });

    it("writes any JSON value exactly as json.dumps(json.loads(text), sort_keys=True) does", () => {
      const texts = fc.sample(
        fc.oneof(
          fc.jsonValue().map((value) => JSON.stringify(value)),
          fc.jsonValue({ stringUnit: "binary" }).map((value) => JSON.stringify(value)),
          fc
            .tuple(fc.integer({ min: -999, max: 999 }), fc.nat(99), fc.integer({ min: -30, max: 30 }))
            .map(([i, f, e]) => `[${i}.${f}e${e}, ${i}.${f}, ${i}E${e}]`),
        ),
        { numRuns: 400, seed: 13 },
      );
      const expected = runPython(
        "import json, sys\nprint(json.dumps([json.dumps(json.loads(t), sort_keys=True) for t in json.load(sys.stdin)]))",
        texts,
      ) as string[];
      texts.forEach((text, i) => {
        expect([text, pythonJsonDumps(pythonJsonLoads(text))]).toEqual([text, expected[i]]);
      });
    });
  });

  it("hashes what Python writes: separators ', ' and ': ', sorted keys, \\u escapes", () => {
    expect(
      assumeRoleCacheKeyText({
        roleArn,
        durationSeconds: 3600,
        policy: '{"Statement":[],"Version":"2012-10-17","Sid":"é😀"}',
      }),
    ).toBe(
      '{"DurationSeconds": 3600, "Policy": {"Sid": "\\u00e9\\ud83d\\ude00", "Statement": [], "Version": "2012-10-17"}, "RoleArn": "arn:aws:iam::123456789012:role/cli-role"}',
    );
  });

  it("is the CLI's key for a profile with only role_arn (as seen in its cache directory)", () => {
    // The file name the AWS CLI 1.45 wrote for `role_arn = arn:aws:iam::123456789012:role/cli-role`.
    expect(assumeRoleCacheKey({ roleArn })).toBe("dfc04dd47f6d3630a10636bf6e5a4dacead7a02b");
  });

  it("leaves out what does not shape the session: the MFA code, the caller, the region, the refresh policy", () => {
    const base = assumeRoleCacheKey({ roleArn, mfa: { serialNumber: "GAHT12345678" } });
    const withMore = {
      roleArn,
      mfa: { serialNumber: "GAHT12345678", tokenCode: () => "123456" },
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" },
      expiryBufferMs: 60_000,
    };
    expect(assumeRoleCacheKey(withMore)).toBe(base);
  });

  it("checks the options it reads, naming each bad one", () => {
    expect(() =>
      assumeRoleCacheKey({ roleArn: "not-an-arn", durationSeconds: 60, policy: "not json" }),
    ).toThrow(InvalidOptionsError);
    try {
      assumeRoleCacheKey({ roleArn: "not-an-arn", durationSeconds: 60, policy: "not json" });
    } catch (error) {
      expect((error as InvalidOptionsError).issues.map((issue) => issue.path)).toEqual([
        "roleArn",
        "durationSeconds",
        "policy",
      ]);
    }
  });
});
