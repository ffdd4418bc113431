import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localSts, type LocalSts } from "../../src/testing";
import {
  awsCliMissing,
  BOTOCORE_LOOP,
  botocoreMissing,
  ENDPOINT_PROBE,
  NODE_LOOP,
} from "../support/children";
import { buildCli, cleanEnv, runCli, type CliRun } from "../support/cli";
import { callerCredentials, describeWithMoto, motoEndpoint } from "../support/motoEnv";

const region = "us-east-1";
const ROLE = "arn:aws:iam::123456789012:role/exec-child";
/** Keys of a `[default]` profile in the user's files: they must never be what a child uses. */
const DEFAULT_PROFILE_KEY = "AKIADEFAULTPROFILE01";
const DEFAULT_PROFILE_SECRET = "default-profile-secret-never-used";

const missing = awsCliMissing() ?? botocoreMissing();
if (missing !== undefined) console.warn(`[aws-refresh-session] skipped: ${missing}`);
const describeWithChildren = missing === undefined ? describe : describe.skip;

let cli: { path: string; remove: () => void };
let home: string;
beforeAll(async () => {
  cli = await buildCli();
});
afterAll(() => {
  cli.remove();
});
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "ars-exec-home-"));
  mkdirSync(join(home, ".aws"));
  // What a developer's machine has: a [default] profile with keys, in both files.
  writeFileSync(
    join(home, ".aws", "credentials"),
    `[default]\naws_access_key_id = ${DEFAULT_PROFILE_KEY}\naws_secret_access_key = ${DEFAULT_PROFILE_SECRET}\n`,
  );
  writeFileSync(
    join(home, ".aws", "config"),
    `[default]\nregion = ${region}\naws_access_key_id = ${DEFAULT_PROFILE_KEY}\naws_secret_access_key = ${DEFAULT_PROFILE_SECRET}\n`,
  );
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

const readJson = (name: string): unknown => JSON.parse(readFileSync(join(home, name), "utf8"));

interface LoopResult {
  calls: number;
  fails: number;
  keys: string[];
  arns: string[];
  errors: string[];
}

/** Runs `exec` with the caller's keys in the environment (as a CI job has them) and `extra`. */
const exec = (
  caller: { accessKeyId: string; secretAccessKey: string },
  endpoint: string,
  args: readonly string[],
  extra: Record<string, string> = {},
  options: Parameters<typeof runCli>[3] = {},
): Promise<CliRun> =>
  runCli(
    cli.path,
    [
      "exec",
      "--role-arn",
      ROLE,
      "--role-session-name",
      "exec-test",
      "--region",
      region,
      // The test's credentials live 3 s: below the default one-minute window they would be refused.
      "--mandatory-window-seconds",
      "1",
      "--",
      ...args,
    ],
    cleanEnv(home, {
      AWS_ACCESS_KEY_ID: caller.accessKeyId,
      AWS_SECRET_ACCESS_KEY: caller.secretAccessKey,
      // The children's calls and exec's AssumeRole go to the test's STS.
      AWS_ENDPOINT_URL: endpoint,
      PY_LOOP: BOTOCORE_LOOP,
      NODE_LOOP,
      ENDPOINT_PROBE,
      ...extra,
    }),
    { timeoutMs: 100_000, cwd: home, ...options },
  );

describeWithChildren("exec against the local STS, with 3-second credentials", () => {
  let sts: LocalSts;
  beforeEach(async () => {
    sts = await localSts({ credentialLifetimeMs: 3_000 });
  });
  afterEach(async () => {
    await sts.close();
  });

  it("botocore, the JavaScript SDK and the AWS CLI act as the role across refreshes with 0 failed calls; the [default] profile and the environment's keys do not win", async () => {
    const script = [
      'CHILD_OUT=botocore.json python3 -c "$PY_LOOP" &',
      'CHILD_OUT=node.json node -e "$NODE_LOOP" &',
      "wait",
      "aws sts get-caller-identity --output json > cli.json",
      'printf %s "$AWS_CONTAINER_AUTHORIZATION_TOKEN" > token.txt',
    ].join("\n");
    const run = await exec(sts.rootCredentials, sts.endpoint, ["sh", "-c", script], { CHILD_SECONDS: "10" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const arn = "arn:aws:sts::123456789012:assumed-role/exec-child/exec-test";
    for (const name of ["botocore.json", "node.json"]) {
      const result = readJson(name) as LoopResult;
      console.log(
        `${name}: ${result.calls} calls, ${result.fails} failed, ${result.keys.length} access keys seen`,
      );
      expect({ name, fails: result.fails, errors: result.errors, arns: result.arns }).toEqual({
        name,
        fails: 0,
        errors: [],
        arns: [arn],
      });
      // At least three refreshes seen from inside the child: four keys, one after the other.
      expect(result.keys.length).toBeGreaterThanOrEqual(4);
      expect(result.keys).not.toContain(DEFAULT_PROFILE_KEY);
      expect(result.keys).not.toContain(sts.rootCredentials.accessKeyId);
    }
    expect((readJson("cli.json") as { Arn: string }).Arn).toBe(arn);
    // The server saw no call signed with anything else, and no expired or unknown key.
    const identityCalls = sts.requests.filter((request) => request.action === "GetCallerIdentity");
    expect(identityCalls.every((request) => request.outcome === "ok")).toBe(true);
    expect(sts.rejections).toEqual({});
    const issuedKeys = new Set(sts.issued.map((issued) => issued.accessKeyId));
    expect(identityCalls.every((request) => issuedKeys.has(request.accessKeyId ?? ""))).toBe(true);
    // One AssumeRole per refresh for both children together: never more sessions than keys issued.
    expect(sts.counts.AssumeRole).toBe(sts.issued.length);
    console.log(
      `exec: ${sts.counts.AssumeRole} AssumeRole calls for ${identityCalls.length} calls of 3 children`,
    );
    // Nothing secret on exec's own outputs: not the token, not a key.
    const token = readFileSync(join(home, "token.txt"), "utf8");
    expect(Buffer.from(token, "base64url").length).toBeGreaterThanOrEqual(32);
    const outputs = `${run.stdout}${run.stderr}`;
    for (const secret of [
      token,
      sts.rootCredentials.secretAccessKey,
      ...sts.issued.flatMap((i) => [i.secretAccessKey, i.sessionToken]),
    ]) {
      expect(outputs).not.toContain(secret);
    }
  }, 120_000);

  it("a wrong or missing token gets 403, the endpoint listens on loopback only, and it closes when the command exits", async () => {
    const run = await exec(sts.rootCredentials, sts.endpoint, [
      "sh",
      "-c",
      'CHILD_OUT=probe.json node -e "$ENDPOINT_PROBE"',
    ]);
    expect(run.status).toBe(0);
    const probe = readJson("probe.json") as {
      url: string;
      tokenBytes: number;
      none: { status: number; body: unknown };
      wrong: { status: number; body: unknown };
      right: { status: number; body: unknown };
      elsewhere: string[];
    };
    expect(probe.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(probe.tokenBytes).toBe(32);
    expect(probe.none).toEqual({ status: 403, body: { Code: "AccessDenied", Message: expect.any(String) } });
    expect(probe.wrong).toEqual({ status: 403, body: { Code: "AccessDenied", Message: expect.any(String) } });
    expect(probe.right).toEqual({
      status: 200,
      body: ["AccessKeyId", "AccountId", "Expiration", "SecretAccessKey", "Token"],
    });
    expect(probe.elsewhere.length).toBeGreaterThanOrEqual(1);
    expect(probe.elsewhere).not.toContain("connected");
    // exec has ended: nothing listens there any more.
    const after = await new Promise<string>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: Number(new URL(probe.url).port) });
      socket.on("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.on("error", (error: NodeJS.ErrnoException) => {
        resolve(error.code ?? "error");
      });
    });
    expect(after).toBe("ECONNREFUSED");
  }, 60_000);

  it("passes the command's exit status through, and 128 + the signal's number when a signal ended it", async () => {
    const started = Date.now();
    const seven = await exec(sts.rootCredentials, sts.endpoint, ["sh", "-c", "exit 7"]);
    const elapsed = Date.now() - started;
    expect(seven.status).toBe(7);
    const killed = await exec(sts.rootCredentials, sts.endpoint, ["sh", "-c", "kill -KILL $$"]);
    expect(killed.status).toBe(128 + 9);
    // Done is done: exec does not linger after its command (startup and one AssumeRole included).
    expect(elapsed).toBeLessThan(5_000);
  }, 60_000);

  it.each([
    ["SIGTERM", 'trap "exit 42" TERM; echo ready; while :; do sleep 0.05; done', 42],
    ["SIGINT", "echo ready; exec sleep 30", 128 + 2],
    ["SIGHUP", "echo ready; exec sleep 30", 128 + 1],
    ["SIGTERM", "echo ready; exec sleep 30", 128 + 15],
  ] as const)(
    "forwards %s to the command (%s): status %d",
    async (signal, script, expected) => {
      const run = await exec(
        sts.rootCredentials,
        sts.endpoint,
        ["sh", "-c", script],
        {},
        {
          onSpawn: (child) => {
            child.stdout?.on("data", (chunk: Buffer) => {
              if (chunk.toString().includes("ready")) child.kill(signal);
            });
          },
        },
      );
      expect(run.signal).toBeNull();
      expect(run.status).toBe(expected);
    },
    60_000,
  );

  it("a command that does not exist: a clear message and status 127, with no STS call", async () => {
    const run = await exec(sts.rootCredentials, sts.endpoint, ["no-such-command-ars", "--flag"]);
    expect(run.status).toBe(127);
    expect(run.stderr).toBe("aws-refresh-session: no-such-command-ars: command not found\n");
    expect(sts.counts.AssumeRole).toBe(0);
  }, 60_000);

  it("a role that cannot be assumed: status 1, the reason without secrets, and the command is not run", async () => {
    const caller = {
      accessKeyId: sts.rootCredentials.accessKeyId,
      secretAccessKey: "wrong-secret-Abc123456789xyzXYZ",
    };
    const run = await exec(caller, sts.endpoint, ["sh", "-c", "echo ran > ran.txt"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^aws-refresh-session: no credentials for the role, so sh was not run: .*SignatureDoesNotMatch/,
    );
    expect(run.stderr).not.toContain(caller.secretAccessKey);
    expect(() => readFileSync(join(home, "ran.txt"))).toThrow();
  }, 60_000);
});

const describeWithMotoAndChildren = missing === undefined ? describeWithMoto : describe.skip;

describeWithMotoAndChildren("exec against moto", () => {
  it("the AWS CLI, botocore and the JavaScript SDK act as the role, not as the [default] profile or the environment's keys", async () => {
    const script = [
      "aws sts get-caller-identity --output json > cli.json",
      'CHILD_OUT=botocore.json python3 -c "$PY_LOOP"',
      'CHILD_OUT=node.json node -e "$NODE_LOOP"',
    ].join(" && ");
    const run = await exec(callerCredentials, motoEndpoint ?? "", ["sh", "-c", script], {
      CHILD_SECONDS: "0",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const arn = "arn:aws:sts::123456789012:assumed-role/exec-child/exec-test";
    expect((readJson("cli.json") as { Arn: string }).Arn).toBe(arn);
    for (const name of ["botocore.json", "node.json"]) {
      const result = readJson(name) as LoopResult;
      expect({ name, fails: result.fails, arns: result.arns }).toEqual({ name, fails: 0, arns: [arn] });
      expect(result.keys).toHaveLength(1);
      expect(result.keys[0]).toMatch(/^ASIA/);
    }
    expect(`${run.stdout}${run.stderr}`).not.toContain(callerCredentials.secretAccessKey);
  }, 120_000);
});
