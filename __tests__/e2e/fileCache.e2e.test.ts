import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assumeRoleCacheKey } from "../../src";
import { localSts, type LocalSts } from "../../src/testing";
import { resultOf, runProbe, startProbe, type ProbeRun } from "../support/cacheProcesses";

const roleArn = "arn:aws:iam::123456789012:role/shared-by-processes";
const key = assumeRoleCacheKey({ roleArn });
const isRoot = process.getuid?.() === 0;
/** The unprivileged user a root test run starts the read-only probe as. */
const NOBODY = 65534;

let sts: LocalSts;
let root: string;
let directory: string;
const runs: ProbeRun[] = [];

const config = (extra: Record<string, unknown> = {}) => ({
  directory,
  endpoint: sts.endpoint,
  accessKeyId: sts.rootCredentials.accessKeyId,
  secretAccessKey: sts.rootCredentials.secretAccessKey,
  roleArn,
  ...extra,
});

const run = async (extra: Record<string, unknown> = {}, options: Parameters<typeof runProbe>[1] = {}) => {
  const finished = await runProbe(config(extra), options);
  runs.push(finished);
  return finished;
};

const entryPath = () => join(directory, `${key}.json`);

beforeAll(async () => {
  sts = await localSts();
});
afterAll(async () => {
  await sts.close();
});
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "file-cache-e2e-"));
  chmodSync(root, 0o755);
  directory = join(root, "cache");
  runs.length = 0;
});
afterEach(() => {
  // Every process's output, whatever the test: no secret the STS issued, no process warning.
  for (const finished of runs) {
    for (const issued of sts.issued) {
      expect(finished.stdout + finished.stderr).not.toContain(issued.secretAccessKey);
      expect(finished.stdout + finished.stderr).not.toContain(issued.sessionToken);
    }
    expect(finished.stderr).not.toMatch(/Warning|Error/);
  }
  rmSync(root, { recursive: true, force: true });
});

describe("a file cache shared by processes", () => {
  it("8 processes started together on an empty cache: 1 AssumeRole call, the same key in all 8", async () => {
    const before = sts.counts.AssumeRole;
    // Each call answers after 300 ms, so that all 8 are refreshing while the first is at STS.
    sts.inject({ kind: "latency", ms: 300 }, { times: 8, action: "AssumeRole" });
    const probes = Array.from({ length: 8 }, () => startProbe(config({ barrier: true })));
    await Promise.all(probes.map((probe) => probe.printed("ready")));
    for (const probe of probes) probe.child.stdin.end("go\n");
    const finished = await Promise.all(probes.map((probe) => probe.exited));
    runs.push(...finished);
    const results = finished.map(resultOf);
    sts.clearFaults();
    expect(sts.counts.AssumeRole - before).toBe(1);
    expect(new Set(results.map((r) => r.accessKeyId)).size).toBe(1);
    // One wrote, seven read what it wrote: some at once, some after waiting for its lock.
    expect(results.filter((r) => r.events.some((e) => e.type === "cache-stored"))).toHaveLength(1);
    expect(results.filter((r) => r.events.some((e) => e.type === "cache-hit"))).toHaveLength(7);
    expect(statSync(entryPath()).mode & 0o777).toBe(0o600);
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    console.log(
      `8 processes: ${sts.counts.AssumeRole - before} AssumeRole call, ` +
        `${results.filter((r) => r.events.some((e) => e.type === "cache-hit" && (e as { afterWait?: boolean }).afterWait)).length} waited for the lock`,
    );
  }, 120_000);

  it("takes over the lock of a process killed while holding it, after a bounded wait", async () => {
    const before = sts.counts.AssumeRole;
    const holder = startProbe(config({ mode: "hold", staleLockMs: 2_000 }));
    await holder.printed("locked");
    holder.child.kill("SIGKILL");
    expect((await holder.exited).signal).toBe("SIGKILL");
    expect(existsSync(join(directory, `${key}.lock`))).toBe(true);

    const startedAt = performance.now();
    const finished = await run({ staleLockMs: 2_000, lockWaitMs: 10_000 });
    const waitedMs = performance.now() - startedAt;
    const result = resultOf(finished);
    // It waited for the lock (no lock-timeout warning), then refreshed under it.
    expect(result.events.map((e) => e.type)).toEqual(["cache-miss", "cache-stored"]);
    expect(sts.counts.AssumeRole - before).toBe(1);
    expect(existsSync(join(directory, `${key}.lock`))).toBe(false);
    console.log(
      `a dead holder's lock (stale after 2 s) was taken over; the process took ${Math.round(waitedMs)} ms in all`,
    );
  }, 60_000);

  it.each([
    ["a corrupt entry (a partial write)", "corrupt", '{"Credentials": {"AccessKeyId": "ASIA', 0o600],
    [
      "an entry open to other users (0644)",
      "insecure",
      JSON.stringify({
        Credentials: {
          AccessKeyId: "ASIAPLANTEDBYSOMEONE",
          SecretAccessKey: "planted-secret",
          SessionToken: "planted-token",
          Expiration: "2099-01-01T00:00:00Z",
        },
      }),
      0o644,
    ],
  ])(
    "%s: warns naming the file, refreshes, and replaces it with a good 0600 entry",
    async (_, problem, content, mode) => {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      writeFileSync(entryPath(), content);
      chmodSync(entryPath(), mode);
      const before = sts.counts.AssumeRole;
      const finished = await run();
      const result = resultOf(finished);
      expect(result.events).toEqual([
        expect.objectContaining({ type: "cache-warning", problem, location: entryPath() }),
        expect.objectContaining({ type: "cache-miss", reason: "absent" }),
        expect.objectContaining({ type: "cache-stored" }),
      ]);
      expect(finished.stdout).not.toContain("planted-secret");
      expect(sts.counts.AssumeRole - before).toBe(1);
      expect(statSync(entryPath()).mode & 0o777).toBe(0o600);
      const stored = JSON.parse(readFileSync(entryPath(), "utf8")) as {
        Credentials: { AccessKeyId: string };
      };
      expect(stored.Credentials.AccessKeyId).toBe(result.accessKeyId);
    },
    60_000,
  );

  it("a read-only directory: warns, still gets credentials from STS, never crashes", async () => {
    mkdirSync(directory, { mode: 0o755 });
    chmodSync(directory, 0o555);
    // Root ignores permission bits: run the process as an unprivileged user instead, if that user can
    // run this project's node and files where it is checked out; else make the directory's place a
    // file, which refuses every write as a read-only directory does (ENOTDIR instead of EACCES).
    const nobodyCanRun =
      isRoot &&
      spawnSync(process.execPath, ["--import", "tsx", "-e", "0"], {
        uid: NOBODY,
        cwd: join(__dirname, "../.."),
      }).status === 0;
    if (isRoot && !nobodyCanRun) {
      rmSync(directory, { recursive: true, force: true });
      writeFileSync(join(root, "not-a-directory"), "");
      directory = join(root, "not-a-directory", "cache");
      console.log(
        "read-only directory: as root, with a path under a file (the unprivileged user cannot run node here)",
      );
    }
    const asUser = nobodyCanRun ? { uid: NOBODY, env: { HOME: root } } : {};
    if (nobodyCanRun) chownSync(root, 0, 0);
    const before = sts.counts.AssumeRole;
    const finished = await run({}, asUser);
    const result = resultOf(finished);
    expect(result.accessKeyId).toMatch(/^ASIA/);
    expect(result.events.map((e) => [e.type, e.problem])).toEqual([
      // A path under a file cannot even be read (ENOTDIR); a read-only directory can.
      ...(isRoot && !nobodyCanRun ? [["cache-warning", "unreadable"]] : []),
      ["cache-warning", "lock-failed"],
      ["cache-miss", undefined],
      ["cache-warning", "unwritable"],
    ]);
    expect(sts.counts.AssumeRole - before).toBe(1);
    expect(existsSync(entryPath())).toBe(false);
  }, 60_000);

  it("a directory others can write to: another user moves Admin's entry onto this role's key; it is refused, with a warning, and this role's own credentials are used", async () => {
    const adminArn = "arn:aws:iam::123456789012:role/Admin";
    const admin = resultOf(await run({ roleArn: adminArn }));
    const adminEntry = join(directory, `${assumeRoleCacheKey({ roleArn: adminArn })}.json`);
    expect(existsSync(adminEntry)).toBe(true);
    chmodSync(directory, 0o777);
    // The other local user: as root, the unprivileged one (a directory writable by all lets it rename
    // a file it cannot read); otherwise this user stands in for it.
    const moved = spawnSync("mv", [adminEntry, entryPath()], isRoot ? { uid: NOBODY, gid: NOBODY } : {});
    expect(moved.status).toBe(0);
    const before = sts.counts.AssumeRole;
    const finished = await run();
    const result = resultOf(finished);
    expect(result.accessKeyId).not.toBe(admin.accessKeyId);
    expect(sts.counts.AssumeRole - before).toBe(1);
    expect(sts.requests.filter((r) => r.action === "AssumeRole").at(-1)?.params.RoleArn).toBe(roleArn);
    expect(result.events.map((e) => [e.type, e.problem, e.location])).toEqual([
      ["cache-warning", "insecure", entryPath()],
      ["cache-miss", undefined, entryPath()],
    ]);
    // The warning names the directory, the thing to fix.
    expect((result.events[0] as { message?: string }).message).toContain(
      `credential cache entry ${directory}: insecure: has mode 0777, writable by other users`,
    );
    // Nothing was read from or written to the directory.
    expect(readFileSync(entryPath(), "utf8")).toContain(admin.accessKeyId);
  }, 60_000);

  it("MFA: 10 runs of a command-line tool in a row ask for the code once while the session lasts", async () => {
    const asks = join(root, "asks.txt");
    writeFileSync(asks, "");
    const before = sts.counts.AssumeRole;
    const keys: string[] = [];
    for (let i = 0; i < 10; i++) {
      keys.push(resultOf(await run({ mfaAsksFile: asks })).accessKeyId);
    }
    const asked = readFileSync(asks, "utf8").trim().split("\n");
    expect(asked).toHaveLength(1);
    expect(sts.counts.AssumeRole - before).toBe(1);
    expect(new Set(keys).size).toBe(1);
    const request = sts.requests.filter((r) => r.action === "AssumeRole").at(-1);
    expect(request?.params.SerialNumber).toBe("arn:aws:iam::123456789012:mfa/alice");
    console.log(
      `MFA: 10 runs, ${asked.length} ask for a code, ${sts.counts.AssumeRole - before} AssumeRole call`,
    );
  }, 180_000);
});
