import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import type { STSClient } from "@aws-sdk/client-sts";
import { pipe } from "fp-ts/function";
import {
  assumeRole,
  assumeRoleCacheKey,
  fileCache,
  refreshing,
  refreshingRole,
  session,
  sharedCache,
  CredentialCacheError,
  InvalidOptionsError,
  withCache,
  type CacheEvent,
  type CredentialCache,
  type Credentials,
} from "../../src";
import { manualClock, type ManualClock } from "../../src/testing";
import { fakeSts } from "../support/fakeSts";
import { credentialsAt, scriptedProvider } from "../support/scripted";

const key = "role-key";
const MINUTE = 60_000;

/**
 * A cache in memory with an in-process lock, standing for the file cache shared by several
 * processes; `onLocked` runs once the lock is held, before the work under it (another process
 * writing meanwhile).
 */
const memoryCache = (options: { onLocked?: () => void } = {}) => {
  const entries = new Map<string, Credentials>();
  let tail: Promise<unknown> = Promise.resolve();
  const calls = { get: 0, set: 0, lock: 0 };
  const cache: CredentialCache = {
    get: (k) => {
      calls.get++;
      return Promise.resolve(entries.get(k));
    },
    set: (k, credentials) => {
      calls.set++;
      entries.set(k, { ...credentials });
      return Promise.resolve();
    },
    lock: <T>(_k: string, fn: () => Promise<T>) => {
      calls.lock++;
      const run = tail.then(() => {
        options.onLocked?.();
        return fn();
      });
      tail = run.catch(() => undefined);
      return run;
    },
    describe: (k) => `memory:${k}`,
  };
  return { cache, entries, calls };
};

const recorder = () => {
  const events: CacheEvent[] = [];
  return {
    events,
    onEvent: (event: CacheEvent) => events.push(event),
    types: () => events.map((e) => e.type),
  };
};

let clock: ManualClock;
beforeEach(() => {
  clock = manualClock();
});

describe("withCache", () => {
  it("serves an entry with more than minRemainingMs left and calls nothing", async () => {
    const { cache, entries } = memoryCache();
    entries.set(key, credentialsAt(clock, 30 * MINUTE, 7));
    const source = scriptedProvider([credentialsAt(clock, 60 * MINUTE)]);
    const heard = recorder();
    const provider = pipe(
      source.provider,
      withCache(cache, key, { clock, minRemainingMs: 15 * MINUTE, onEvent: heard.onEvent }),
    );
    const credentials = await provider();
    expect(credentials.accessKeyId).toBe("ASIATEST00000007");
    expect(credentials.expiration).toEqual(new Date(clock.now() + 30 * MINUTE));
    expect(source.calls).toBe(0);
    expect(heard.events).toEqual([
      {
        type: "cache-hit",
        location: "memory:role-key",
        expiration: new Date(clock.now() + 30 * MINUTE),
        afterWait: false,
      },
    ]);
    // Served credentials redact their secrets like any of ours.
    expect(JSON.stringify(credentials)).not.toContain("do-not-leak");
    expect(inspect(credentials)).not.toContain("do-not-leak");
  });

  it("refreshes an entry with minRemainingMs or less left, under the lock, and stores the new one", async () => {
    const { cache, entries, calls } = memoryCache();
    entries.set(key, credentialsAt(clock, 15 * MINUTE, 7));
    const source = scriptedProvider([credentialsAt(clock, 60 * MINUTE, 8)]);
    const heard = recorder();
    const provider = pipe(
      source.provider,
      withCache(cache, key, { clock, minRemainingMs: 15 * MINUTE, onEvent: heard.onEvent }),
    );
    expect((await provider()).accessKeyId).toBe("ASIATEST00000008");
    expect(source.calls).toBe(1);
    expect(calls).toEqual({ get: 2, set: 1, lock: 1 });
    expect(entries.get(key)?.accessKeyId).toBe("ASIATEST00000008");
    expect(heard.events).toEqual([
      { type: "cache-miss", location: "memory:role-key", reason: "expiring" },
      { type: "cache-stored", location: "memory:role-key", expiration: new Date(clock.now() + 60 * MINUTE) },
    ]);
  });

  it("defaults minRemainingMs to one minute", async () => {
    const { cache, entries } = memoryCache();
    const source = scriptedProvider([credentialsAt(clock, 60 * MINUTE, 8)]);
    const provider = pipe(source.provider, withCache(cache, key, { clock }));
    entries.set(key, credentialsAt(clock, MINUTE + 1, 7));
    expect((await provider()).accessKeyId).toBe("ASIATEST00000007");
    entries.set(key, credentialsAt(clock, MINUTE, 7));
    expect((await provider()).accessKeyId).toBe("ASIATEST00000008");
  });

  it("uses what another process wrote while it waited for the lock, without calling the source", async () => {
    const writtenMeanwhile = credentialsAt(clock, 60 * MINUTE, 9);
    const shared = memoryCache({ onLocked: () => shared.entries.set(key, writtenMeanwhile) });
    const source = scriptedProvider([credentialsAt(clock, 60 * MINUTE, 8)]);
    const heard = recorder();
    const provider = pipe(source.provider, withCache(shared.cache, key, { clock, onEvent: heard.onEvent }));
    expect((await provider()).accessKeyId).toBe("ASIATEST00000009");
    expect(source.calls).toBe(0);
    expect(heard.events).toEqual([
      {
        type: "cache-hit",
        location: "memory:role-key",
        expiration: writtenMeanwhile.expiration,
        afterWait: true,
      },
    ]);
  });

  it("makes one source call for many providers that refresh together, the others use its entry", async () => {
    const { cache } = memoryCache();
    const source = scriptedProvider([() => credentialsAt(clock, 60 * MINUTE, source.calls)]);
    const providers = Array.from({ length: 8 }, () =>
      pipe(source.provider, withCache(cache, key, { clock })),
    );
    const keys = await Promise.all(providers.map(async (provider) => (await provider()).accessKeyId));
    expect(source.calls).toBe(1);
    expect(new Set(keys)).toEqual(new Set(["ASIATEST00000001"]));
  });

  it("skips the reads on forceRefresh", async () => {
    const { cache, entries } = memoryCache();
    entries.set(key, credentialsAt(clock, 60 * MINUTE, 7));
    const source = scriptedProvider([credentialsAt(clock, 60 * MINUTE, 8)]);
    const heard = recorder();
    const provider = pipe(source.provider, withCache(cache, key, { clock, onEvent: heard.onEvent }));
    expect((await provider({ forceRefresh: true })).accessKeyId).toBe("ASIATEST00000008");
    expect(heard.types()).toEqual(["cache-miss", "cache-stored"]);
    expect(heard.events[0]).toMatchObject({ reason: "forced" });
  });

  it("passes on the source's failure without storing anything or calling it again", async () => {
    const { cache, calls } = memoryCache();
    const source = scriptedProvider([new Error("AccessDenied")]);
    const heard = recorder();
    const provider = pipe(source.provider, withCache(cache, key, { clock, onEvent: heard.onEvent }));
    await expect(provider()).rejects.toThrow("AccessDenied");
    expect(source.calls).toBe(1);
    expect(calls.set).toBe(0);
    expect(heard.types()).toEqual(["cache-miss"]);
  });

  describe("a cache that fails never fails the call", () => {
    const failing = (failure: Partial<Record<"get" | "set" | "lock", unknown>>): CredentialCache => {
      const { cache } = memoryCache();
      return {
        get: failure.get === undefined ? cache.get : () => Promise.reject(failure.get),
        set: failure.set === undefined ? cache.set : () => Promise.reject(failure.set),
        lock: failure.lock === undefined ? cache.lock : () => Promise.reject(failure.lock),
        describe: cache.describe,
      };
    };

    it.each([
      [
        "an unreadable entry",
        { get: new CredentialCacheError("corrupt", "memory:role-key", "not JSON") },
        "corrupt",
      ],
      [
        "an unwritable entry",
        { set: new CredentialCacheError("unwritable", "memory:role-key", "EROFS") },
        "unwritable",
      ],
      [
        "a lock that cannot be had",
        { lock: new CredentialCacheError("lock-timeout", "memory:role-key.lock", "held") },
        "lock-timeout",
      ],
      ["a cache of the user's that throws anything", { get: new TypeError("oops") }, "unreadable"],
    ])("%s: a cache-warning, and the source's credentials", async (_, failure, problem) => {
      const source = scriptedProvider([credentialsAt(clock, 60 * MINUTE, 8)]);
      const heard = recorder();
      const provider = pipe(
        source.provider,
        withCache(failing(failure), key, { clock, onEvent: heard.onEvent }),
      );
      expect((await provider()).accessKeyId).toBe("ASIATEST00000008");
      expect(source.calls).toBe(1);
      const warnings = heard.events.filter((e) => e.type === "cache-warning");
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings[0]).toMatchObject({ location: "memory:role-key", error: { problem } });
    });

    it("hides the keys and tokens a store's own error quotes, in its event and log line", async () => {
      // Real secrets are key- and token-shaped; that is what is hidden.
      const credentials = {
        ...credentialsAt(clock, 60 * MINUTE, 8),
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        sessionToken: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6example1234567890",
      };
      const quoted = `INSERT failed: ('${credentials.accessKeyId}', '${credentials.secretAccessKey}', '${credentials.sessionToken}')`;
      const source = scriptedProvider([credentials]);
      const heard = recorder();
      const lines: string[] = [];
      const logger = {
        debug: () => undefined,
        info: () => undefined,
        warn: (line: string) => lines.push(line),
        error: () => undefined,
      };
      await pipe(
        source.provider,
        withCache(failing({ set: new Error(quoted) }), key, { clock, onEvent: heard.onEvent, logger }),
      )();
      const [warning] = heard.events.filter((e) => e.type === "cache-warning");
      expect(warning).toMatchObject({
        error: { problem: "unwritable", message: expect.stringContaining("INSERT failed") },
      });
      const shown = `${JSON.stringify(heard.events)} ${inspect(heard.events)} ${lines.join("\n")} ${(warning as { error: Error }).error.message}`;
      expect(lines).toHaveLength(1);
      expect(shown).not.toContain(credentials.secretAccessKey);
      expect(shown).not.toContain(credentials.sessionToken);
    });

    it.each([
      ["without an expiration", () => ({ accessKeyId: "AKIA", secretAccessKey: "s" })],
      // The rule every receiver of credentials shares (core/credentialShape), not one of its own.
      ["with an empty key", () => ({ ...credentialsAt(clock, 30 * MINUTE, 7), accessKeyId: "" })],
      [
        "with a session token that is no string",
        () => ({ ...credentialsAt(clock, 30 * MINUTE, 7), sessionToken: 5 as unknown as string }),
      ],
    ])("ignores an entry that is not credentials %s", async (_, entry) => {
      const { cache, entries } = memoryCache();
      entries.set(key, entry());
      const source = scriptedProvider([credentialsAt(clock, 60 * MINUTE, 8)]);
      const heard = recorder();
      await pipe(source.provider, withCache(cache, key, { clock, onEvent: heard.onEvent }))();
      expect(source.calls).toBe(1);
      expect(heard.events[0]).toMatchObject({ type: "cache-warning", error: { problem: "foreign" } });
    });

    it.each([
      ["9999-12-31, served for ever", Date.UTC(9999, 11, 31)],
      ["36 h 16 min ahead, past any STS credential's lifetime and SigV4's 15-minute skew", 36 * 60 + 16],
    ])("ignores an entry expiring %s, and refreshes it", async (_, when) => {
      const { cache, entries } = memoryCache();
      const expiration = new Date(when > 1e9 ? when : clock.now() + when * MINUTE);
      entries.set(key, { ...credentialsAt(clock, 0, 7), expiration });
      const source = scriptedProvider([credentialsAt(clock, 60 * MINUTE, 8)]);
      const heard = recorder();
      const provider = pipe(source.provider, withCache(cache, key, { clock, onEvent: heard.onEvent }));
      expect((await provider()).accessKeyId).toBe("ASIATEST00000008");
      expect(heard.events[0]).toMatchObject({
        type: "cache-warning",
        error: { problem: "foreign", message: expect.stringContaining("36 hours") as string },
      });
      expect(entries.get(key)?.accessKeyId).toBe("ASIATEST00000008");
    });

    it("serves an entry of the longest STS lifetime (36 h), issued by a clock 15 minutes ahead", async () => {
      const { cache, entries } = memoryCache();
      entries.set(key, credentialsAt(clock, (36 * 60 + 15) * MINUTE, 7));
      const source = scriptedProvider([]);
      const provider = pipe(source.provider, withCache(cache, key, { clock }));
      expect((await provider()).accessKeyId).toBe("ASIATEST00000007");
      expect(source.calls).toBe(0);
    });

    it("without a listener, warns through process.emitWarning once per problem", async () => {
      const emitted: unknown[] = [];
      const spy = jest.spyOn(process, "emitWarning").mockImplementation((warning: string | Error) => {
        emitted.push(warning);
      });
      try {
        const source = scriptedProvider([credentialsAt(clock, 60 * MINUTE, 8)]);
        const error = new CredentialCacheError("corrupt", "memory:role-key", "not JSON");
        const provider = pipe(source.provider, withCache(failing({ get: error }), key, { clock }));
        await provider();
        await provider();
        expect(emitted).toEqual([`aws-refresh-session: cache not used: ${error.message}`]);
      } finally {
        spy.mockRestore();
      }
    });
  });

  it("logs one line per event that names the entry, never a secret", async () => {
    const { cache, entries } = memoryCache();
    const lines: string[] = [];
    const logger = {
      debug: (line: string) => lines.push(`debug ${line}`),
      info: (line: string) => lines.push(`info ${line}`),
      warn: (line: string) => lines.push(`warn ${line}`),
      error: (line: string) => lines.push(`error ${line}`),
    };
    const source = scriptedProvider([credentialsAt(clock, 60 * MINUTE, 8)]);
    const provider = pipe(source.provider, withCache(cache, key, { clock, logger }));
    await provider();
    await provider();
    entries.set(key, { accessKeyId: "AKIA", secretAccessKey: "bad-entry-secret-do-not-leak" });
    await provider();
    expect(lines.map((line) => line.split(":")[0])).toEqual([
      "debug aws-refresh-session",
      "debug aws-refresh-session",
      "debug aws-refresh-session",
      "warn aws-refresh-session",
      "debug aws-refresh-session",
      "debug aws-refresh-session",
    ]);
    for (const line of lines) {
      expect(line).toContain("memory:role-key");
      expect(line).not.toContain("do-not-leak");
    }
  });

  it("asks for an MFA code only when the source is really called", async () => {
    const { cache } = memoryCache();
    let asks = 0;
    let sends = 0;
    const stsClient = {
      send: () => {
        sends++;
        return Promise.resolve({
          Credentials: {
            AccessKeyId: `ASIAMFA${sends}`,
            SecretAccessKey: "mfa-secret-do-not-leak",
            SessionToken: "mfa-token-do-not-leak",
            Expiration: new Date(clock.now() + 60 * MINUTE),
          },
        });
      },
    } as unknown as STSClient;
    const options = {
      roleArn: "arn:aws:iam::123456789012:role/Admin",
      mfa: {
        serialNumber: "arn:aws:iam::123456789012:mfa/alice",
        tokenCode: () => String(++asks).padStart(6, "0"),
      },
      stsClient,
      clock,
    };
    // Runs of a command-line tool, a minute apart: each builds its provider anew, as a new process would.
    const run = async () =>
      (await pipe(assumeRole(options), withCache(cache, key, { clock, minRemainingMs: 15 * MINUTE }))())
        .accessKeyId;
    const keys: string[] = [];
    for (let i = 0; i < 10; i++) {
      keys.push(await run());
      await clock.advance(MINUTE);
    }
    expect(asks).toBe(1);
    expect(sends).toBe(1);
    expect(new Set(keys)).toEqual(new Set(["ASIAMFA1"]));
    // Once the session has 15 minutes or less left, the next run asks for one new code.
    await clock.advance(36 * MINUTE);
    expect(await run()).toBe("ASIAMFA2");
    expect(asks).toBe(2);
  });

  it("under a refreshing layer with a long mandatory window, calls the source for an entry inside that window", async () => {
    const { cache, entries } = memoryCache();
    // Another process (or the AWS CLI) left credentials with 4 minutes to live: more than the cache's
    // own minute, less than this provider's 5-minute mandatory window.
    entries.set(key, credentialsAt(clock, 4 * MINUTE, 9));
    const source = scriptedProvider([() => credentialsAt(clock, 60 * MINUTE, 1)]);
    const provider = refreshing(source.provider, {
      cache: sharedCache(cache),
      cacheKey: key,
      clock,
      mandatoryWindowMs: 5 * MINUTE,
      advisoryWindowMs: 30 * MINUTE,
    });
    try {
      // Was a failed refresh: the entry arrived inside the mandatory window, and STS was never called.
      expect((await provider()).accessKeyId).toBe("ASIATEST00000001");
      expect(source.calls).toBe(1);
    } finally {
      provider.dispose();
    }
  });

  it("under a refreshing layer, two providers sharing the cache make one source call per refresh cycle", async () => {
    const { cache } = memoryCache();
    const source = scriptedProvider([() => credentialsAt(clock, 60 * MINUTE, source.calls)]);
    // Each worker with its own random draw: one refreshes first, the other finds its entry.
    const refreshingWithCache = (draw: number) =>
      refreshing(source.provider, { cache: sharedCache(cache), cacheKey: key, clock, random: () => draw });

    const workers = [refreshingWithCache(0.2), refreshingWithCache(0.8)];
    await Promise.all(workers.map((worker) => worker()));
    for (let minute = 1; minute <= 6 * 60; minute++) {
      await clock.advance(MINUTE);
      for (const worker of workers) {
        const credentials = await worker();
        expect(credentials.expiration!.getTime()).toBeGreaterThan(clock.now());
      }
    }
    workers.forEach((worker) => {
      worker.dispose();
    });
    // Six hours of one-hour credentials, each refreshed once for both workers: the first set and one
    // per cycle, not twice that.
    expect(source.calls).toBeLessThanOrEqual(8);
    expect(source.calls).toBeGreaterThanOrEqual(7);
  });

  it("checks its options at construction", () => {
    const { cache } = memoryCache();
    expect(() => withCache({} as CredentialCache, key)).toThrow(InvalidOptionsError);
    expect(() => withCache(cache, "")).toThrow(/key/);
    expect(() => withCache(cache, key, { minRemainingMs: -1 })).toThrow(/minRemainingMs/);
    expect(() => withCache(cache, key, { minRemaining: 5 } as never)).toThrow(/did you mean minRemainingMs/);
  });
});

describe("the cache option of the ready pipelines", () => {
  it("never hands back the credentials a refresh is replacing, such as a key a service rejected", async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1));
    const entries = new Map<string, Credentials>();
    const cache: CredentialCache = {
      get: (k) => Promise.resolve(entries.get(k)),
      set: (k, credentials) => {
        entries.set(k, credentials);
        return Promise.resolve();
      },
    };
    const source = scriptedProvider([() => credentialsAt(clock, 60 * MINUTE, source.calls)]);
    const provider = refreshing(source.provider, { cache: sharedCache(cache), cacheKey: "k", clock });
    const first = await provider();
    expect(provider.invalidate(first.accessKeyId)).toBe(true);
    const second = await provider();
    // The entry still held the rejected key, with 60 minutes left: it was not used.
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(source.calls).toBe(2);
    expect(entries.get("k")?.accessKeyId).toBe(second.accessKeyId);
    provider.dispose();
  });

  it("gives refreshingRole the AWS CLI's key, so a second process with the same role makes no STS call", async () => {
    const directory = mkdtempSync(join(tmpdir(), "ars-cache-"));
    try {
      const clock = manualClock(Date.now());
      const options = { roleArn: "arn:aws:iam::123456789012:role/Shared", roleSessionName: "shared", clock };
      const first = fakeSts(clock);
      const a = refreshingRole({
        ...options,
        stsClient: first.client,
        cache: fileCache({ directory, clock }),
      });
      const credentials = await a();
      expect(existsSync(join(directory, `${assumeRoleCacheKey(options)}.json`))).toBe(true);
      const second = fakeSts(clock);
      const b = refreshingRole({
        ...options,
        stsClient: second.client,
        cache: fileCache({ directory, clock }),
      });
      expect((await b()).accessKeyId).toBe(credentials.accessKeyId);
      expect(first.sent).toHaveLength(1);
      expect(second.sent).toHaveLength(0);
      a.dispose();
      b.dispose();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("binds each entry to its role: an entry moved onto another role's key is ignored and refreshed", async () => {
    const directory = mkdtempSync(join(tmpdir(), "ars-cache-"));
    try {
      const clock = manualClock(Date.now());
      const admin = { roleArn: "arn:aws:iam::123456789012:role/Admin", roleSessionName: "shared", clock };
      const readOnly = {
        roleArn: "arn:aws:iam::123456789012:role/ReadOnly",
        roleSessionName: "shared",
        clock,
      };
      const sts = fakeSts(clock);
      const adminCredentials = await refreshingRole({
        ...admin,
        stsClient: sts.client,
        cache: fileCache({ directory, clock }),
      })();
      // Another user who can write to the directory moves Admin's entry onto ReadOnly's key.
      renameSync(
        join(directory, `${assumeRoleCacheKey(admin)}.json`),
        join(directory, `${assumeRoleCacheKey(readOnly)}.json`),
      );
      const heard = recorder();
      const reader = refreshingRole({
        ...readOnly,
        stsClient: sts.client,
        cache: fileCache({ directory, clock }),
        onCacheEvent: heard.onEvent,
      });
      const credentials = await reader();
      expect(credentials.accessKeyId).not.toBe(adminCredentials.accessKeyId);
      expect(sts.sent.map((command) => command.input.RoleArn)).toEqual([admin.roleArn, readOnly.roleArn]);
      expect(heard.events[0]).toMatchObject({
        type: "cache-warning",
        error: {
          problem: "wrong-role",
          message: expect.stringContaining("not for " + readOnly.roleArn) as string,
        },
      });
      // The entry under ReadOnly's key is ReadOnly's again.
      const stored = JSON.parse(
        readFileSync(join(directory, `${assumeRoleCacheKey(readOnly)}.json`), "utf8"),
      ) as { Credentials: { AccessKeyId: string }; RoleArn: string };
      expect(stored.Credentials.AccessKeyId).toBe(credentials.accessKeyId);
      expect(stored.RoleArn).toBe(readOnly.roleArn);
      reader.dispose();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("binds entries to the role under a cacheKey of the caller's too: two roles given one key never share", async () => {
    const directory = mkdtempSync(join(tmpdir(), "ars-cache-"));
    try {
      const clock = manualClock(Date.now());
      const sts = fakeSts(clock);
      const heard = recorder();
      const providers = ["Admin", "ReadOnly"].map((name) =>
        refreshingRole({
          roleArn: `arn:aws:iam::123456789012:role/${name}`,
          clock,
          stsClient: sts.client,
          cache: fileCache({ directory, clock }),
          cacheKey: "one-key-for-both",
          onCacheEvent: heard.onEvent,
        }),
      );
      const [admin, readOnly] = providers as [(typeof providers)[0], (typeof providers)[0]];
      const adminKey = (await admin()).accessKeyId;
      expect((await readOnly()).accessKeyId).not.toBe(adminKey);
      expect(sts.sent).toHaveLength(2);
      expect(heard.events.filter((e) => e.type === "cache-warning")).toEqual([
        expect.objectContaining({ error: expect.objectContaining({ problem: "wrong-role" }) as unknown }),
      ]);
      for (const provider of providers) provider.dispose();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("asks refreshing() for a cache key, and a key only with a cache", () => {
    const cache = sharedCache({ get: () => Promise.resolve(undefined), set: () => Promise.resolve() });
    const source = scriptedProvider([new Error("unused")]).provider;
    expect(() => refreshing(source, { cache })).toThrow(/cacheKey: is needed with cache/);
    expect(() => refreshing(source, { cacheKey: "k" })).toThrow(/cacheKey: goes with cache/);
  });

  it("gives a store of your own, through sharedCache, the AWS CLI's key, calling its methods on it", async () => {
    const clock = manualClock(Date.now());
    // A class, whose methods need `this`: sharedCache must neither copy them off nor change the store.
    class Store implements CredentialCache {
      readonly entries = new Map<string, Credentials>();
      readonly described: string[] = [];
      get(k: string) {
        return Promise.resolve(this.entries.get(k));
      }
      set(k: string, credentials: Credentials) {
        this.entries.set(k, credentials);
        return Promise.resolve();
      }
      describe(k: string) {
        this.described.push(k);
        return `store:${k}`;
      }
    }
    const store = new Store();
    const options = { roleArn: "arn:aws:iam::123456789012:role/Own", roleSessionName: "own", clock };
    const sts = fakeSts(clock);
    const events: CacheEvent[] = [];
    const provider = refreshingRole({
      ...options,
      stsClient: sts.client,
      cache: sharedCache(store),
      onCacheEvent: (event) => events.push(event),
    });
    const credentials = await provider();
    const cliKey = assumeRoleCacheKey(options);
    expect(store.entries.get(cliKey)?.accessKeyId).toBe(credentials.accessKeyId);
    expect(store.described).toContain(cliKey);
    expect(events.map((event) => [event.type, event.location])).toContainEqual([
      "cache-stored",
      `store:${cliKey}`,
    ]);
    expect(Object.keys(store).sort()).toEqual(["described", "entries"]);
    provider.dispose();
  });

  it("rejects a plain store as the cache option at construction, pointing to sharedCache, calling nothing", () => {
    const store: CredentialCache = { get: () => Promise.resolve(undefined), set: () => Promise.resolve() };
    const sts = fakeSts(manualClock(0));
    const build = () =>
      refreshingRole({
        roleArn: "arn:aws:iam::123456789012:role/Own",
        stsClient: sts.client,
        cache: store as never,
      });
    expect(build).toThrow(InvalidOptionsError);
    expect(build).toThrow(/cache: .*sharedCache\(store\)/);
    expect(() => refreshing(scriptedProvider([]).provider, { cache: store as never, cacheKey: "k" })).toThrow(
      /cache: .*fileCache\(\)/,
    );
    expect(sts.sent).toHaveLength(0);
  });

  it("checks the store given to sharedCache, and a role key that is no key", () => {
    expect(() => sharedCache({ get: () => Promise.resolve(undefined) } as never)).toThrow(
      /sharedCache.*set/s,
    );
    expect(() =>
      sharedCache({ get: () => Promise.resolve(undefined), set: () => Promise.resolve(), lock: 5 } as never),
    ).toThrow(InvalidOptionsError);
    const cache = { ...sharedCache({ get: () => Promise.resolve(undefined), set: () => Promise.resolve() }) };
    expect(() =>
      refreshingRole({
        roleArn: "arn:aws:iam::123456789012:role/Own",
        cache: { ...cache, roleKey: () => "" },
      }),
    ).toThrow(/refreshingRole.*cache: its roleKey\(\) must return a non-empty string \(got ""\)/s);
  });

  describe("a SharedCache of your own that gets it wrong is told at construction, calling nothing", () => {
    const roleArn = "arn:aws:iam::123456789012:role/Own";
    const base = sharedCache({ get: () => Promise.resolve(undefined), set: () => Promise.resolve() });
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    it.each([
      [
        "roleKey() throws",
        {
          roleKey: () => {
            throw new Error(`no key for ${secret}`);
          },
        },
        /its roleKey\(\) threw: Error: no key for \[hidden\]/,
      ],
      [
        "roleKey() answers a number",
        { roleKey: () => 5 },
        /its roleKey\(\) must return a non-empty string \(got 5\)/,
      ],
      [
        "layer() answers nothing",
        { layer: () => undefined },
        /its layer\(\) must return a function \(provider\) => provider \(got undefined\)/,
      ],
      [
        "layer()'s function answers no provider",
        { layer: () => () => null },
        /its layer\(\)'s function must return a credential provider \(got null\)/,
      ],
      [
        "layer() throws",
        {
          layer: () => {
            throw new TypeError("broken");
          },
        },
        /its layer\(\) threw: TypeError: broken/,
      ],
    ])("%s", (_label, members, message) => {
      const sts = fakeSts(manualClock(0));
      const build = () =>
        refreshingRole({ roleArn, stsClient: sts.client, cache: { ...base, ...members } as never });
      expect(build).toThrow(InvalidOptionsError);
      expect(build).toThrow(message);
      expect(() => build()).not.toThrow(secret);
      expect(sts.sent).toHaveLength(0);
    });

    it("names the member a cache lacks, or has wrong", () => {
      const plain = { get: () => Promise.resolve(undefined), set: () => Promise.resolve() };
      expect(() => refreshingRole({ roleArn, cache: plain as never })).toThrow(/it has no layer\(\)/);
      expect(() => refreshingRole({ roleArn, cache: { ...base, lock: 1 } as never })).toThrow(
        /its lock is 1/,
      );
      expect(() => sharedCache({ ...plain, describe: "x" } as never)).toThrow(/its describe is "x"/);
      expect(() => sharedCache({ get: plain.get } as never)).toThrow(/it has no set\(\)/);
    });
  });

  it("uses the members of the cache it is given: a copy with set replaced, or a store patched later", async () => {
    const clock = manualClock(Date.now());
    const options = { roleArn: "arn:aws:iam::123456789012:role/Own", roleSessionName: "own", clock };
    const entries = new Map<string, Credentials>();
    const store: CredentialCache = {
      get: (k) => Promise.resolve(entries.get(k)),
      set: (k, credentials) => Promise.resolve(void entries.set(k, credentials)),
    };
    const shared = sharedCache(store);
    const written: string[] = [];
    const copy = {
      ...shared,
      set: (k: string, credentials: Credentials) => (written.push(k), shared.set(k, credentials)),
    };
    const first = refreshingRole({ ...options, stsClient: fakeSts(clock).client, cache: copy });
    await first();
    expect(written).toEqual([assumeRoleCacheKey(options)]);
    const patched = jest.fn(() => Promise.resolve());
    store.set = patched; // after sharedCache(store): a spy set up late still sees the writes
    const second = refreshingRole({
      ...options,
      roleSessionName: "other",
      stsClient: fakeSts(clock).client,
      cache: shared,
    });
    await second();
    expect(patched).toHaveBeenCalledTimes(1);
    // And a SharedCache given to sharedCache is kept as it is, with its own layer and key.
    const own = { ...shared, roleKey: () => "mine" };
    expect(sharedCache(own)).toBe(own);
    first.dispose();
    second.dispose();
  });

  it("names session, not the function it builds on, when a cache of yours gets it wrong there", () => {
    const cache = { ...sharedCache({ get: () => Promise.resolve(undefined), set: () => Promise.resolve() }) };
    const roleArn = "arn:aws:iam::123456789012:role/Own";
    expect(() => session({ roleArn, region: "eu-west-1", cache: { ...cache, roleKey: () => "" } })).toThrow(
      /^Invalid session options.*cache: its roleKey\(\)/s,
    );
    expect(() =>
      session({
        source: scriptedProvider([]).provider,
        cache: { ...cache, layer: () => 1 } as never,
        cacheKey: "k",
      }),
    ).toThrow(/^Invalid session options.*cache: its layer\(\)/s);
    expect(() => session({ roleArn, region: "eu-west-1", cache: fileCache(), cacheKey: "../k" })).toThrow(
      /^Invalid session options.*cacheKey: 1 to 200 letters/s,
    );
  });

  it("keeps a store's error that may quote secrets out of the warning, whatever holds them", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const heard = recorder();
    const store: CredentialCache = {
      get: () => Promise.resolve(undefined),
      // A driver's error: a clean message, the statement (and the secret) in another property.
      set: () =>
        Promise.reject(
          Object.assign(new Error("Data too long for column 'v'"), { sql: `INSERT '${secret}'` }),
        ),
      // Our own error class, thrown by the store with the secret in its text.
      lock: () => Promise.reject(new CredentialCacheError("lock-failed", "db:k", `lock row ${secret}`)),
    };
    const source = scriptedProvider([credentialsAt(clock, 60 * MINUTE, 8)]);
    await pipe(source.provider, withCache(store, key, { clock, onEvent: heard.onEvent }))();
    const warnings = heard.events.filter((e) => e.type === "cache-warning");
    // The lock fails, so the write goes on without it, and fails too.
    expect(warnings.map((w) => (w as { error: CredentialCacheError }).error.problem)).toEqual([
      "lock-failed",
      "unwritable",
    ]);
    const shown = `${inspect(heard.events, { depth: 10 })} ${JSON.stringify(heard.events)}`;
    expect(shown).toContain("lock row [hidden]");
    expect(shown).toContain("Data too long for column");
    expect(shown).not.toContain(secret);
  });

  it("lets a cache's layer be called detached, and a sharedCache's lock be spied on or patched", async () => {
    const { layer } = fileCache({ directory: join(tmpdir(), "ars-never-written") });
    expect(typeof layer("k")).toBe("function");
    const calls: string[] = [];
    const store: CredentialCache = {
      get: () => Promise.resolve(undefined),
      set: () => Promise.resolve(),
      lock: <T>(_k: string, fn: () => Promise<T>) => (calls.push("store"), fn()),
    };
    const shared = sharedCache(store);
    const spy = jest.spyOn(shared, "lock");
    await pipe(
      scriptedProvider([credentialsAt(clock, 60 * MINUTE, 8)]).provider,
      shared.layer(key, { clock }),
    )();
    store.lock = <T>(_k: string, fn: () => Promise<T>) => (calls.push("patched"), fn());
    await pipe(
      scriptedProvider([credentialsAt(clock, 60 * MINUTE, 9)]).provider,
      shared.layer(key, { clock }),
    )();
    expect(spy).toHaveBeenCalledTimes(2);
    expect(calls).toEqual(["store", "patched"]);
  });

  it("has fileCache reject a key that names no file in its directory, when the provider is built", () => {
    const cache = fileCache({ directory: join(tmpdir(), "ars-never-written") });
    const source = scriptedProvider([new Error("unused")]).provider;
    for (const cacheKey of ["../../etc/passwd", ".hidden", "a/b", "x".repeat(201)]) {
      expect(() => refreshing(source, { cache, cacheKey })).toThrow(
        /Invalid refreshing options.*cacheKey: 1 to 200 letters, digits and _\.-.*\(got "/s,
      );
      expect(() => withCache(cache, cacheKey)).toThrow(/Invalid withCache options.*key: 1 to 200 letters/s);
    }
  });
});
