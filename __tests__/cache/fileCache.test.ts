import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  chownSync,
  chmodSync,
  lstatSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { CredentialCacheError, fileCache, InvalidOptionsError, type Credentials } from "../../src";
import { manualClock } from "../../src/testing";

const key = "dfc04dd47f6d3630a10636bf6e5a4dacead7a02b";
const isRoot = process.getuid?.() === 0;

const issued = (n = 1, expiration = new Date(Date.UTC(2031, 0, 1, 12))): Credentials => ({
  accessKeyId: `ASIAFILECACHE${n}`,
  secretAccessKey: `file-secret-${n}-never-shown`,
  sessionToken: `file-token-${n}-never-shown`,
  expiration,
  accountId: "123456789012",
});

/** Resolves once `condition` holds, checking after each pass of the event loop: a wait for I/O, not for time. */
const until = async (condition: () => boolean): Promise<void> => {
  const giveUpAt = performance.now() + 10_000;
  while (!condition()) {
    if (performance.now() > giveUpAt) throw new Error("condition never held");
    await new Promise((resolve) => setImmediate(resolve));
  }
};

const problemOf = async (promise: Promise<unknown>): Promise<CredentialCacheError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CredentialCacheError);
  const cacheError = error as CredentialCacheError;
  // Whatever went wrong, no secret reaches the message.
  expect(cacheError.message).not.toMatch(/never-shown|cli-secret|cli-token/);
  return cacheError;
};

let root: string;
let directory: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "file-cache-"));
  directory = join(root, "home", ".aws", "cli", "cache");
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** An entry as the AWS CLI v1 writes it: the whole AssumeRole response, STS's own timestamp text. */
const cliEntry = (expiration: string) =>
  JSON.stringify({
    Credentials: {
      AccessKeyId: "ASIACLIWROTETHIS",
      SecretAccessKey: "cli-secret-never-shown",
      SessionToken: "cli-token-never-shown",
      Expiration: expiration,
      AccountId: "123456789012",
    },
    AssumedRoleUser: {
      AssumedRoleId: "AROA3X42LBCDJBYLPF9W3:botocore-session-1795676017",
      Arn: "arn:aws:sts::123456789012:assumed-role/cli-role/botocore-session-1795676017",
    },
    PackedPolicySize: 6,
    ResponseMetadata: { RequestId: "x", HTTPStatusCode: 200, HTTPHeaders: {}, RetryAttempts: 0 },
  });

const plant = (content: string, mode = 0o600): string => {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const path = join(directory, `${key}.json`);
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  return path;
};

describe("fileCache", () => {
  it("finds the AWS CLI's directory under HOME, as the CLI's expanduser does", () => {
    const saved = process.env.HOME;
    process.env.HOME = join(root, "elsewhere");
    try {
      expect(fileCache().directory).toBe(join(root, "elsewhere", ".aws", "cli", "cache"));
    } finally {
      process.env.HOME = saved;
    }
  });

  it("defaults to the AWS CLI's directory, and touches nothing before it is used", () => {
    expect(fileCache().directory).toBe(join(process.env.HOME || homedir(), ".aws", "cli", "cache"));
    fileCache({ directory });
    expect(() => statSync(join(root, "home"))).toThrow(/ENOENT/);
  });

  it("writes the CLI's format to a 0600 file in a directory it creates 0700, and reads it back", async () => {
    const cache = fileCache({ directory });
    await cache.set(key, issued());
    const path = join(directory, `${key}.json`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({
      Credentials: {
        AccessKeyId: "ASIAFILECACHE1",
        SecretAccessKey: "file-secret-1-never-shown",
        SessionToken: "file-token-1-never-shown",
        Expiration: "2031-01-01T12:00:00.000Z",
        AccountId: "123456789012",
      },
    });
    const read = await cache.get(key);
    expect({ ...read }).toEqual(issued());
    // No temporary file is left behind.
    expect(readdirSync(directory)).toEqual([`${key}.json`]);
    // What it returns redacts itself.
    expect(JSON.stringify(read)).not.toContain("never-shown");
    expect(inspect(read)).not.toContain("never-shown");
  });

  it("reads entries as the AWS CLI and boto3 write them", async () => {
    const cache = fileCache({ directory });
    plant(cliEntry("2031-01-01T12:00:00.942437Z"));
    expect(await cache.get(key)).toMatchObject({
      accessKeyId: "ASIACLIWROTETHIS",
      sessionToken: "cli-token-never-shown",
      expiration: new Date("2031-01-01T12:00:00.942Z"),
      accountId: "123456789012",
    });
    plant(cliEntry("2031-01-01T12:00:00UTC"));
    expect((await cache.get(key))?.expiration).toEqual(new Date("2031-01-01T12:00:00Z"));
    plant(cliEntry("2031-01-01T14:00:00+02:00"));
    expect((await cache.get(key))?.expiration).toEqual(new Date("2031-01-01T12:00:00Z"));
  });

  it("has no entry for a key never written", async () => {
    await expect(fileCache({ directory }).get(key)).resolves.toBeUndefined();
  });

  it.each([
    ["a partial write", "corrupt", '{"Credentials": {"AccessKeyId": "ASIA'],
    ["an empty file", "corrupt", ""],
    ["a foreign JSON file", "foreign", '{"accessToken": "sso-token-never-shown"}'],
    [
      "an entry without a session token",
      "foreign",
      '{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "cli-secret-x", "Expiration": "2031-01-01T00:00:00Z"}}',
    ],
    ["an expiration without a zone", "foreign", cliEntry("2031-01-01T12:00:00")],
    ["an impossible date", "foreign", cliEntry("2031-02-31T12:00:00Z")],
    ["minutes out of range (12:99 would roll over to 13:39)", "foreign", cliEntry("2031-01-01T12:99:00Z")],
    ["hour 24", "foreign", cliEntry("2031-01-01T24:00:00Z")],
    ["a leap second", "foreign", cliEntry("2031-01-01T12:00:60Z")],
    ["an offset out of range", "foreign", cliEntry("2031-01-01T12:00:00+24:00")],
  ])("refuses %s as %s, naming the file and not its content", async (_, problem, content) => {
    const path = plant(content);
    const error = await problemOf(fileCache({ directory }).get(key));
    expect(error.problem).toBe(problem);
    expect(error.location).toBe(path);
    expect(error.message).toContain(path);
  });

  it("refuses an entry open to other users (0644), then replaces it with a 0600 one", async () => {
    const path = plant(cliEntry("2031-01-01T12:00:00Z"), 0o644);
    const cache = fileCache({ directory });
    const error = await problemOf(cache.get(key));
    expect(error.problem).toBe("insecure");
    expect(error.message).toContain("0644");
    await cache.set(key, issued(2));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await cache.get(key))?.accessKeyId).toBe("ASIAFILECACHE2");
  });

  (isRoot ? it : it.skip)("refuses an entry owned by another user", async () => {
    const path = plant(cliEntry("2031-01-01T12:00:00Z"));
    chownSync(path, 65534, 65534);
    const error = await problemOf(fileCache({ directory }).get(key));
    expect(error.problem).toBe("insecure");
    expect(error.message).toContain("uid 65534");
  });

  describe("a directory others could swap entries in", () => {
    it("is refused when writable by others without the sticky bit (0777): no read, write or lock", async () => {
      const path = plant(cliEntry("2031-01-01T12:00:00Z"));
      chmodSync(directory, 0o777);
      const cache = fileCache({ directory });
      // One after the other: a rejection nobody has handled yet would be a process warning.
      for (const attempt of [
        () => cache.get(key),
        () => cache.set(key, issued(2)),
        () =>
          cache.lock(
            key,
            () => Promise.reject(new Error("never run")),
            () => undefined,
          ),
      ]) {
        const error = await problemOf(attempt());
        expect(error.problem).toBe("insecure");
        expect(error.location).toBe(directory);
        expect(error.message).toContain("0777, writable by other users without the sticky bit");
      }
      // Nothing was written there.
      expect(readFileSync(path, "utf8")).toContain("ASIACLIWROTETHIS");
      expect(readdirSync(directory)).toEqual([`${key}.json`]);
    });

    it("is used when sticky (1777, as /tmp): only an entry's owner can move it there", async () => {
      plant(cliEntry("2031-01-01T12:00:00Z"));
      chmodSync(directory, 0o1777);
      expect((await fileCache({ directory }).get(key))?.accessKeyId).toBe("ASIACLIWROTETHIS");
    });

    (isRoot ? it : it.skip)("is refused when owned by another user than this one or root", async () => {
      plant(cliEntry("2031-01-01T12:00:00Z"));
      chownSync(directory, 65534, 65534);
      const error = await problemOf(fileCache({ directory }).get(key));
      expect(error.problem).toBe("insecure");
      expect(error.message).toContain("is owned by uid 65534, neither this user (0) nor root");
    });
  });

  describe("an entry asked for as a role's", () => {
    const cliRole = "arn:aws:iam::123456789012:role/cli-role";

    it("is read when its assumed-role ARN names that role (whatever the role's path)", async () => {
      plant(cliEntry("2031-01-01T12:00:00Z"));
      const cache = fileCache({ directory });
      expect((await cache.get(key, { roleArn: cliRole }))?.accessKeyId).toBe("ASIACLIWROTETHIS");
      const withPath = "arn:aws:iam::123456789012:role/team/cli-role";
      expect((await cache.get(key, { roleArn: withPath }))?.accessKeyId).toBe("ASIACLIWROTETHIS");
    });

    it.each([
      ["another role", "arn:aws:iam::123456789012:role/Admin"],
      ["the same name in another account", "arn:aws:iam::210987654321:role/cli-role"],
      ["the same name in another partition", "arn:aws-cn:iam::123456789012:role/cli-role"],
    ])("is refused as wrong-role when it is %s's", async (_, roleArn) => {
      plant(cliEntry("2031-01-01T12:00:00Z"));
      const error = await problemOf(fileCache({ directory }).get(key, { roleArn }));
      expect(error.problem).toBe("wrong-role");
      expect(error.message).toContain(`not for ${roleArn}`);
    });

    it("is refused when it names no role", async () => {
      plant(
        JSON.stringify({ Credentials: JSON.parse(cliEntry("2031-01-01T12:00:00Z")).Credentials as unknown }),
      );
      const error = await problemOf(fileCache({ directory }).get(key, { roleArn: cliRole }));
      expect(error.problem).toBe("wrong-role");
      expect(error.message).toContain("names no role");
    });

    it("is written with its role, and read back only as that role's", async () => {
      const cache = fileCache({ directory });
      await cache.set(key, issued(4), { roleArn: cliRole });
      expect(JSON.parse(readFileSync(join(directory, `${key}.json`), "utf8"))).toMatchObject({
        RoleArn: cliRole,
      });
      expect((await cache.get(key, { roleArn: cliRole }))?.accessKeyId).toBe("ASIAFILECACHE4");
      const other = "arn:aws:iam::123456789012:role/Admin";
      expect((await problemOf(cache.get(key, { roleArn: other }))).problem).toBe("wrong-role");
    });
  });

  it("never follows a symbolic link: reading refuses it, writing replaces the link, not its target", async () => {
    mkdirSync(directory, { recursive: true });
    const target = join(root, "elsewhere.json");
    writeFileSync(target, cliEntry("2031-01-01T12:00:00Z"), { mode: 0o600 });
    const path = join(directory, `${key}.json`);
    symlinkSync(target, path);
    const cache = fileCache({ directory });
    expect((await problemOf(cache.get(key))).problem).toBe("insecure");
    await cache.set(key, issued(3));
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(target, "utf8")).toContain("ASIACLIWROTETHIS");
    expect((await cache.get(key))?.accessKeyId).toBe("ASIAFILECACHE3");
  });

  it("refuses a directory or a FIFO at the entry's name without hanging", async () => {
    mkdirSync(join(directory, `${key}.json`), { recursive: true });
    expect((await problemOf(fileCache({ directory }).get(key))).problem).toBe("insecure");
  });

  it("reports a directory it cannot write as unwritable", async () => {
    // A file where the directory should be: writing fails whoever runs the test (root included).
    writeFileSync(join(root, "not-a-directory"), "");
    const cache = fileCache({ directory: join(root, "not-a-directory", "cache") });
    const error = await problemOf(cache.set(key, issued()));
    expect(error.problem).toBe("unwritable");
    expect(error.message).toMatch(/ENOTDIR|EEXIST/);
  });

  it("stores only temporary credentials", async () => {
    const error = await problemOf(
      fileCache({ directory }).set(key, { accessKeyId: "AKIA", secretAccessKey: "long-term-never-shown" }),
    );
    expect(error.problem).toBe("uncacheable");
  });

  it("says what the length limit of a key is", () => {
    expect(() => fileCache({ directory }).describe("x".repeat(201))).toThrow(/key: 1 to 200 /);
  });

  it("accepts only keys that name a file in its directory", async () => {
    const cache = fileCache({ directory });
    for (const bad of ["../escape", "a/b", ".hidden", "", "x".repeat(201)]) {
      expect((await problemOf(cache.get(bad))).problem).toBe("invalid-key");
      expect((await problemOf(cache.set(bad, issued()))).problem).toBe("invalid-key");
    }
  });

  it("never lets a reader see a partial entry while entries are rewritten", async () => {
    const cache = fileCache({ directory });
    await cache.set(key, issued(0));
    const writes = Array.from({ length: 30 }, (_, i) => cache.set(key, issued(i + 1)));
    const reads = Array.from({ length: 60 }, () => cache.get(key));
    const seen = await Promise.all(reads);
    await Promise.all(writes);
    for (const entry of seen) expect(entry?.accessKeyId).toMatch(/^ASIAFILECACHE\d+$/);
    expect(readdirSync(directory)).toEqual([`${key}.json`]);
  });

  describe("lock", () => {
    it("makes a second holder wait until the first releases", async () => {
      const clock = manualClock();
      const cache = fileCache({ directory, clock });
      const order: string[] = [];
      let releaseFirst: () => void = () => undefined;
      const first = cache.lock(
        key,
        () => {
          order.push("first in");
          return new Promise<void>((resolve) => (releaseFirst = resolve)).then(() => order.push("first out"));
        },
        () => undefined,
      );
      await until(() => order.length === 1);
      const second = cache.lock(
        key,
        () => Promise.resolve(order.push("second in")),
        () => undefined,
      );
      await until(() => clock.pendingSleeps > 0);
      expect(order).toEqual(["first in"]);
      releaseFirst();
      await first;
      await clock.advance(20);
      await second;
      expect(order).toEqual(["first in", "first out", "second in"]);
      expect(readdirSync(directory)).toEqual([]);
    });

    it("gives up after lockWaitMs with a lock-timeout, without running its work", async () => {
      const clock = manualClock();
      const cache = fileCache({ directory, clock, staleLockMs: 2_000, lockWaitMs: 5_000 });
      let releaseFirst: () => void = () => undefined;
      let entered = false;
      const first = cache.lock(
        key,
        () => new Promise<void>((resolve) => (releaseFirst = resolve)),
        () => undefined,
      );
      await until(() => existsSync(join(directory, `${key}.lock`)));
      const second = cache.lock(
        key,
        () => Promise.resolve((entered = true)),
        () => undefined,
      );
      for (let waited = 0; waited < 5_000; waited += 250) {
        await until(() => clock.pendingSleeps > 0);
        await clock.advance(250);
      }
      const error = await problemOf(second);
      expect(error.problem).toBe("lock-timeout");
      expect(entered).toBe(false);
      releaseFirst();
      await first;
    });

    it("takes over a lock nobody has renewed for staleLockMs (its holder was killed)", async () => {
      mkdirSync(join(directory, `${key}.lock`), { recursive: true });
      const old = new Date(Date.now() - 60_000);
      utimesSync(join(directory, `${key}.lock`), old, old);
      const cache = fileCache({ directory, staleLockMs: 10_000 });
      await expect(
        cache.lock(
          key,
          () => Promise.resolve("ran"),
          () => undefined,
        ),
      ).resolves.toBe("ran");
    });

    it("fails with lock-failed, before running its work, when the lock cannot be created", async () => {
      writeFileSync(join(root, "not-a-directory"), "");
      const cache = fileCache({ directory: join(root, "not-a-directory", "cache") });
      let entered = false;
      const error = await problemOf(
        cache.lock(
          key,
          () => Promise.resolve((entered = true)),
          () => undefined,
        ),
      );
      expect(error.problem).toBe("lock-failed");
      expect(entered).toBe(false);
    });

    it("passes on the failure of its work and still releases", async () => {
      const cache = fileCache({ directory });
      await expect(
        cache.lock(
          key,
          () => Promise.reject(new Error("STS said no")),
          () => undefined,
        ),
      ).rejects.toThrow("STS said no");
      expect(readdirSync(directory)).toEqual([]);
    });
  });

  it("checks its options at construction", () => {
    expect(() => fileCache({ staleLockMs: 500 })).toThrow(InvalidOptionsError);
    expect(() => fileCache({ staleLockMs: 10_000, lockWaitMs: 5_000 })).toThrow(
      /lockWaitMs: must exceed staleLockMs/,
    );
    expect(() => fileCache({ directory: "" })).toThrow(/directory/);
    expect(() => fileCache({ directroy: "/tmp" } as never)).toThrow(
      /directroy: is not a known option; did you mean directory\?/,
    );
  });
});
