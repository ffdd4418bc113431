import { inspect } from "node:util";
import { CredentialCacheError, type Credentials } from "../../src";
import { formatCacheEntry, parseCacheEntry } from "../../src/cache/cacheEntry";

const path = "/cache/key.json";
const role = "arn:aws:iam::123456789012:role/Reader";
const credentials: Credentials = {
  accessKeyId: "ASIAENTRY0001",
  secretAccessKey: "entry-secret-never-shown",
  sessionToken: "entry-token-never-shown",
  expiration: new Date("2031-01-01T12:00:00.000Z"),
  accountId: "123456789012",
};

const entry = (expiration: string, more: object = {}): string =>
  JSON.stringify({
    Credentials: { AccessKeyId: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: expiration },
    ...more,
  });

const problemOf = (read: () => unknown): string => {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialCacheError);
    return (error as CredentialCacheError).problem;
  }
  throw new Error("accepted");
};

describe("the cache entry format", () => {
  it("reads back what it writes, with its role, and keeps the secrets out of inspect", () => {
    const text = formatCacheEntry(path, credentials, role);
    expect(JSON.parse(text)).toMatchObject({ RoleArn: role, Credentials: { AccountId: "123456789012" } });
    const read = parseCacheEntry(path, text, role);
    expect(read).toEqual(credentials);
    expect(inspect(read)).not.toMatch(/never-shown/);
  });

  it.each([
    ["-05:30", "2031-01-01T06:30:00-05:30", "2031-01-01T12:00:00.000Z"],
    ["+0200 (no colon)", "2031-01-01T14:00:00+0200", "2031-01-01T12:00:00.000Z"],
    ["GMT, lower case", "2031-01-01 12:00:00gmt", "2031-01-01T12:00:00.000Z"],
    ["nanoseconds", "2031-01-01T12:00:00.123456789Z", "2031-01-01T12:00:00.123Z"],
    ["a year below 100, as written", "0099-01-01T00:00:00Z", "0099-01-01T00:00:00.000Z"],
  ])("reads an expiration with %s", (_, written, instant) => {
    expect(parseCacheEntry(path, entry(written), undefined).expiration?.toISOString()).toBe(instant);
  });

  it("refuses an entry whose RoleArn is not a role's ARN, even beside the right assumed role", () => {
    const text = entry("2031-01-01T12:00:00Z", {
      AssumedRoleUser: { Arn: "arn:aws:sts::123456789012:assumed-role/Reader/s" },
      RoleArn: "arn:aws:iam::123456789012:user/Reader",
    });
    expect(problemOf(() => parseCacheEntry(path, text, role))).toBe("wrong-role");
    // Without a role asked for, the role it names is not looked at.
    expect(parseCacheEntry(path, text, undefined).accessKeyId).toBe("A");
  });

  it("writes no entry for credentials without a session token or a valid expiration", () => {
    const { sessionToken: _, ...longTerm } = credentials;
    expect(problemOf(() => formatCacheEntry(path, longTerm, undefined))).toBe("uncacheable");
    const invalid = { ...credentials, expiration: new Date(Number.NaN) };
    expect(problemOf(() => formatCacheEntry(path, invalid, undefined))).toBe("uncacheable");
  });
});
