import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { localSts, type LocalSts } from "../../src/testing";
import { awsCliMissing } from "../support/children";
import { buildCli, cleanEnv, runCli } from "../support/cli";
import { callerCredentials, describeWithMoto, motoEndpoint } from "../support/motoEnv";

const region = "us-east-1";
const ROLE = "arn:aws:iam::123456789012:role/cp-reader";
const ARN = "arn:aws:sts::123456789012:assumed-role/cp-reader/cp-test";
const run = promisify(execFile);
const root = join(__dirname, "..", "..");

const missing = awsCliMissing();
if (missing !== undefined) console.warn(`[aws-refresh-session] skipped: ${missing}`);
const describeWithCli = missing === undefined ? describe : describe.skip;

let cli: { path: string; remove: () => void };
let home: string;
beforeAll(async () => {
  cli = await buildCli();
});
afterAll(() => {
  cli.remove();
});
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "ars-cp-home-"));
  mkdirSync(join(home, ".aws"));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

const roleFlags = ["--role-arn", ROLE, "--role-session-name", "cp-test", "--region", region];

/** A `credential_process` profile that runs the command with the caller's keys (as a CI job has them). */
const writeProfile = (caller: { accessKeyId: string; secretAccessKey: string }): void => {
  const command = [
    "/usr/bin/env",
    `AWS_ACCESS_KEY_ID=${caller.accessKeyId}`,
    `AWS_SECRET_ACCESS_KEY=${caller.secretAccessKey}`,
    `NODE_PATH=${join(root, "node_modules")}`,
    process.execPath,
    cli.path,
    "credential-process",
    ...roleFlags,
  ].join(" ");
  writeFileSync(
    join(home, ".aws", "config"),
    `[profile reader]\ncredential_process = ${command}\nregion = ${region}\n`,
  );
};

/** `aws sts get-caller-identity --profile reader`, as the user of `home`, against `endpoint`. */
const cliIdentity = async (endpoint: string): Promise<string> => {
  const { stdout } = await run(
    "aws",
    ["sts", "get-caller-identity", "--profile", "reader", "--output", "json"],
    {
      env: cleanEnv(home, { AWS_CONFIG_FILE: join(home, ".aws", "config"), AWS_ENDPOINT_URL: endpoint }),
      timeout: 60_000,
    },
  );
  return (JSON.parse(stdout) as { Arn: string }).Arn;
};

describe("credential-process against the local STS", () => {
  let sts: LocalSts;
  beforeEach(async () => {
    sts = await localSts();
  });
  afterEach(async () => {
    await sts.close();
  });

  const env = (secretAccessKey = sts.rootCredentials.secretAccessKey) =>
    cleanEnv(home, {
      AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_ENDPOINT_URL: sts.endpoint,
    });

  it("prints a Version 1 answer, and a second run reads the AWS CLI's cache instead of calling STS", async () => {
    const first = await runCli(cli.path, ["credential-process", ...roleFlags], env());
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    const answer = JSON.parse(first.stdout) as Record<string, unknown>;
    const [issued] = sts.issued;
    expect(answer).toEqual({
      Version: 1,
      AccessKeyId: issued?.accessKeyId,
      SecretAccessKey: issued?.secretAccessKey,
      SessionToken: issued?.sessionToken,
      Expiration: issued?.expiration.toISOString(),
    });
    expect(readdirSync(join(home, ".aws", "cli", "cache")).filter((f) => f.endsWith(".json"))).toHaveLength(
      1,
    );
    const second = await runCli(cli.path, ["credential-process", ...roleFlags], env());
    expect(JSON.parse(second.stdout)).toEqual(answer);
    expect(sts.counts.AssumeRole).toBe(1);
  }, 60_000);

  it("without --role-session-name too: the generated name is no part of the cache's key", async () => {
    const flags = ["credential-process", "--role-arn", ROLE, "--region", region];
    const first = await runCli(cli.path, flags, env());
    const second = await runCli(cli.path, flags, env());
    expect([first.status, second.status]).toEqual([0, 0]);
    expect(JSON.parse(second.stdout)).toEqual(JSON.parse(first.stdout));
    expect(sts.counts.AssumeRole).toBe(1);
  }, 60_000);

  it("fails with status 1 and the reason on standard error, never a secret, and prints nothing", async () => {
    const wrong = "wrong-secret-Abc123456789xyzXYZ";
    const failed = await runCli(cli.path, ["credential-process", ...roleFlags], env(wrong));
    expect(failed.status).toBe(1);
    expect(failed.stdout).toBe("");
    expect(failed.stderr).toMatch(
      /^aws-refresh-session: no credentials for the role: .*SignatureDoesNotMatch/,
    );
    expect(failed.stderr).not.toContain(wrong);
    expect(failed.stderr).not.toContain(sts.rootCredentials.secretAccessKey);
  }, 60_000);

  describeWithCli("as the AWS CLI's credential_process", () => {
    it("the CLI acts as the role; ten runs in a row make one AssumeRole call", async () => {
      writeProfile(sts.rootCredentials);
      const arns: string[] = [];
      for (let i = 0; i < 10; i++) arns.push(await cliIdentity(sts.endpoint));
      expect(arns).toEqual(Array.from({ length: 10 }, () => ARN));
      expect(sts.counts.AssumeRole).toBe(1);
      expect(sts.counts.GetCallerIdentity).toBe(10);
      expect(sts.rejections).toEqual({});
      console.log(`credential_process: 10 AWS CLI runs, ${sts.counts.AssumeRole} AssumeRole call`);
    }, 180_000);
  });
});

const describeWithMotoAndCli = missing === undefined ? describeWithMoto : describe.skip;

describeWithMotoAndCli("credential-process against moto", () => {
  it("the AWS CLI acts as the role through a credential_process profile", async () => {
    writeProfile(callerCredentials);
    expect(await cliIdentity(motoEndpoint ?? "")).toBe(ARN);
  }, 120_000);
});

describe("credential-process and a profile that leads back to it", () => {
  it("stops a credential_process that leads back to its own profile at once, with a message, instead of starting itself for ever", async () => {
    const command = [process.execPath, cli.path, "credential-process", "--profile", "loop"].join(" ");
    writeFileSync(
      join(home, ".aws", "config"),
      `[profile loop]\ncredential_process = ${command}\nregion = ${region}\n`,
    );
    const run = await runCli(cli.path, ["credential-process", "--profile", "loop"], cleanEnv(home), {
      timeoutMs: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("leads back to this command");
  }, 90_000);

  it("stops a role whose caller credentials come from AWS_PROFILE's credential_process running it for the same role", async () => {
    const role = "arn:aws:iam::123456789012:role/Deployer";
    const command = [process.execPath, cli.path, "credential-process", "--role-arn", role].join(" ");
    writeFileSync(
      join(home, ".aws", "config"),
      `[profile deployer]\ncredential_process = ${command}\nregion = ${region}\n`,
    );
    const started = Date.now();
    const run = await runCli(
      cli.path,
      ["credential-process", "--role-arn", role, "--region", region],
      { ...cleanEnv(home), AWS_PROFILE: "deployer" },
      { timeoutMs: 60_000 },
    );
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe("");
    // The nested run refuses the loop at once; the SDK's chain reports only that it found nothing, and
    // the top run names the likely cause (it hung for minutes, a run nested in each).
    expect(run.stderr).toContain('here profile "deployer": if its credential_process runs this command');
    console.log(`credential_process loop through AWS_PROFILE stopped in ${Date.now() - started} ms`);
  }, 90_000);
});

describe("credential-process --profile with mfa_serial", () => {
  let sts: LocalSts;
  beforeEach(async () => {
    sts = await localSts();
    writeFileSync(
      join(home, ".aws", "config"),
      [
        "[profile base]",
        `aws_access_key_id = ${sts.rootCredentials.accessKeyId}`,
        `aws_secret_access_key = ${sts.rootCredentials.secretAccessKey}`,
        "[profile mfa]",
        "role_arn = arn:aws:iam::123456789012:role/NeedsMfa",
        "source_profile = base",
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice",
        `endpoint_url = ${sts.endpoint}`,
        `region = ${region}`,
        "",
      ].join("\n"),
    );
  });
  afterEach(async () => {
    await sts.close();
  });

  /** The command with a terminal of its own (script(1) gives it a pseudo-terminal), the code typed there. */
  const withTerminal = (code: string) =>
    new Promise<{ status: number | null; output: string }>((resolve, reject) => {
      const command = [process.execPath, cli.path, "credential-process", "--profile", "mfa"].join(" ");
      const child = spawn("script", ["-qec", command, "/dev/null"], {
        env: { ...cleanEnv(home), NODE_PATH: join(root, "node_modules") },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Enter MFA code for")) child.stdin.end(`${code}\n`);
      });
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`no answer within 30 s:\n${output}`));
      }, 30_000);
      child.on("close", (status) => {
        clearTimeout(timer);
        resolve({ status, output });
      });
    });

  /** The command with no controlling terminal at all (setsid(1)), as a daemon or a CI job runs it. */
  const withoutTerminal = () =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        "setsid",
        ["-w", process.execPath, cli.path, "credential-process", "--profile", "mfa"],
        {
          env: { ...cleanEnv(home), NODE_PATH: join(root, "node_modules") },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("close", (status) => {
        resolve({ status, stdout, stderr });
      });
    });

  it("asks for the code on the terminal, once: the next run, without a terminal, uses the cached session", async () => {
    const asked = await withTerminal("123456");
    expect(asked.status).toBe(0);
    expect(asked.output).toContain("Enter MFA code for arn:aws:iam::123456789012:mfa/alice: ");
    const answer = JSON.parse(asked.output.slice(asked.output.indexOf("{"))) as { AccessKeyId: string };
    expect(sts.issued.map((issued) => issued.accessKeyId)).toContain(answer.AccessKeyId);
    // setsid: no controlling terminal at all; the session comes from the AWS CLI's cache.
    const again = await withoutTerminal();
    expect(again.stderr).toBe("");
    expect(again.status).toBe(0);
    expect((JSON.parse(again.stdout) as { AccessKeyId: string }).AccessKeyId).toBe(answer.AccessKeyId);
    expect(sts.counts.AssumeRole).toBe(1);
  }, 60_000);

  it("without a terminal and nothing cached, says how to get the code in, with status 1", async () => {
    const run = await withoutTerminal();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("there is no terminal to ask for it on");
    expect(sts.counts.AssumeRole).toBe(0);
  }, 60_000);
});
