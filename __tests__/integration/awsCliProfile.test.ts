import { execFile, spawn, spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  fileCache,
  refreshingProfile,
  type CredentialProvider,
  type RefreshingProfileProvider,
} from "../../src";
import { awsHome, type AwsHome } from "../support/awsHome";
import { callerCredentials, describeWithMoto, motoEndpoint } from "../support/motoEnv";

const inCi = process.env.CI === "true" || process.env.CI === "1";

/** As in awsCli.test.ts: the CLI must be there, and honour endpoint_url in a profile (v1 >= 1.29, v2 >= 2.13). */
const cliUnusable = (): string | undefined => {
  const probe = spawnSync("aws", ["--version"], { encoding: "utf8" });
  if (probe.status !== 0) return "the AWS CLI (aws) is not on the PATH; install it with `pip install awscli`";
  const [, major = 0, minor = 0] = (
    /aws-cli\/(\d+)\.(\d+)\./.exec(`${probe.stdout}${probe.stderr}`) ?? []
  ).map(Number);
  if ((major === 1 && minor >= 29) || (major === 2 && minor >= 13) || major > 2) return undefined;
  return `the AWS CLI on the PATH (${probe.stdout.trim()}) does not honour endpoint_url in a profile; v1 >= 1.29 or v2 >= 2.13 does`;
};
const unusable = cliUnusable();
if (unusable !== undefined) {
  if (inCi) throw new Error(`CI requires the AWS CLI for the profile interop tests: ${unusable}`);
  console.warn(`[aws-refresh-session] skipped: ${unusable}`);
}
const describeWithCli = unusable === undefined ? describeWithMoto : describe.skip;

const region = "us-east-1";
/** The AWS CLI's assume-role cache for `home`. */
const sharedCacheDirectory = (home: string): string => join(home, ".aws", "cli", "cache");
const run = promisify(execFile);
const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
const MFA = "arn:aws:iam::123456789012:mfa/alice";

/**
 * A loopback door in front of moto that counts the AssumeRole calls reaching it: the files point
 * both the CLI and the library at it, so every STS call of either passes here, and tests running
 * beside this one (on the same moto) are not counted.
 */
const countingDoor = async (
  target: string,
): Promise<{ endpoint: string; assumeRoles: () => number; server: Server }> => {
  let assumeRoles = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      if (new URLSearchParams(body.toString("utf8")).get("Action") === "AssumeRole") assumeRoles++;
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(
          ([name]) => !["host", "connection", "content-length"].includes(name),
        ),
      ) as Record<string, string>;
      fetch(`${target}${request.url ?? "/"}`, {
        method: request.method ?? "POST",
        headers,
        ...(body.length > 0 ? { body } : {}),
      })
        .then(async (answer) => {
          response.writeHead(answer.status, {
            "content-type": answer.headers.get("content-type") ?? "text/xml",
          });
          response.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch((error: unknown) => {
          response.writeHead(502);
          response.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { endpoint: `http://127.0.0.1:${port}`, assumeRoles: () => assumeRoles, server };
};

describeWithCli("profiles shared with the real AWS CLI against moto", () => {
  let aws: AwsHome;
  let door: Awaited<ReturnType<typeof countingDoor>>;
  let cliEnv: NodeJS.ProcessEnv;
  const providers: RefreshingProfileProvider[] = [];

  beforeAll(async () => {
    door = await countingDoor(motoEndpoint as string);
  });
  afterAll(async () => {
    await new Promise((resolve) => door.server.close(resolve));
  });

  beforeEach(() => {
    aws = awsHome();
    const endpoint = [`region = ${region}`, `endpoint_url = ${door.endpoint}`];
    aws.config(
      "[profile base]",
      ...endpoint,
      "[profile reader]",
      `role_arn = ${role("profile-reader")}`,
      "source_profile = base",
      ...endpoint,
      "[profile hop-one]",
      `role_arn = ${role("profile-hop-one")}`,
      "source_profile = base",
      "role_session_name = hop-one",
      ...endpoint,
      "[profile hop-two]",
      `role_arn = ${role("profile-hop-two")}`,
      "source_profile = hop-one",
      "external_id = chain-ext",
      ...endpoint,
      "[profile with-mfa]",
      `role_arn = ${role("profile-mfa")}`,
      "source_profile = base",
      `mfa_serial = ${MFA}`,
      ...endpoint,
    );
    aws.credentials(
      "[base]",
      `aws_access_key_id = ${callerCredentials.accessKeyId}`,
      `aws_secret_access_key = ${callerCredentials.secretAccessKey}`,
    );
    // The CLI sees only this home: none of the runner's AWS settings.
    cliEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")));
    Object.assign(cliEnv, {
      HOME: aws.home,
      AWS_CONFIG_FILE: aws.configFile,
      AWS_SHARED_CREDENTIALS_FILE: aws.credentialsFile,
    });
  });
  afterEach(() => {
    for (const provider of providers.splice(0)) provider.dispose();
    aws.restore();
  });

  const cliIdentity = async (profile: string): Promise<string> => {
    const { stdout } = await run(
      "aws",
      ["sts", "get-caller-identity", "--profile", profile, "--output", "json"],
      {
        env: cliEnv,
        timeout: 60_000,
      },
    );
    return (JSON.parse(stdout) as { Arn: string }).Arn;
  };

  /**
   * The CLI with no terminal (its own session), its MFA prompt reading `input` from standard input.
   * Resolves with the ARN it printed and what it wrote on standard error (the prompt).
   */
  const cliWithInput = (profile: string, input: string): Promise<{ arn: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn("aws", ["sts", "get-caller-identity", "--profile", profile, "--output", "json"], {
        env: cliEnv,
        detached: true,
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.on("close", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve({ arn: (JSON.parse(stdout) as { Arn: string }).Arn, stderr });
        else reject(new Error(`aws exited with ${code}: ${stderr}`));
      });
      child.stdin.end(input);
    });

  const libraryIdentity = async (provider: CredentialProvider): Promise<string | undefined> => {
    const client = new STSClient({ region, endpoint: door.endpoint, credentials: provider });
    try {
      return (await client.send(new GetCallerIdentityCommand({}))).Arn;
    } finally {
      client.destroy();
    }
  };

  const library = (profile: string, mfaCode?: (serial: string) => string) => {
    const provider = refreshingProfile({
      profile,
      // The CLI's directory under the test's HOME: os.homedir() does not see the HOME a test sets.
      cache: fileCache({ directory: sharedCacheDirectory(aws.home) }),
      ...(mfaCode === undefined ? {} : { mfaCode }),
    });
    providers.push(provider);
    return provider;
  };

  it("one hop: the CLI assumes the role, the library uses its entry (0 AssumeRole calls) and acts as the same role", async () => {
    const before = door.assumeRoles();
    const cliArn = await cliIdentity("reader");
    expect(door.assumeRoles() - before).toBe(1);
    const ours = await libraryIdentity(library("reader"));
    expect(ours).toBe(cliArn);
    expect(door.assumeRoles() - before).toBe(1);
    console.log(
      `one hop, CLI first: CLI 1 AssumeRole, library ${door.assumeRoles() - before - 1}; both ${cliArn}`,
    );
  }, 120_000);

  it("a chain of two roles: the library assumes both, the CLI uses both entries (0 AssumeRole calls), the same role", async () => {
    const before = door.assumeRoles();
    const ours = await libraryIdentity(library("hop-two"));
    expect(ours).toMatch(/^arn:aws:sts::123456789012:assumed-role\/profile-hop-two\/aws-refresh-session-/);
    expect(door.assumeRoles() - before).toBe(2);
    expect(await cliIdentity("hop-two")).toBe(ours);
    // And the first hop's entry is the CLI's too.
    expect(await cliIdentity("hop-one")).toMatch(/assumed-role\/profile-hop-one\/hop-one$/);
    expect(door.assumeRoles() - before).toBe(2);
    console.log(
      `chain, library first: library 2 AssumeRole, CLI ${door.assumeRoles() - before - 2}; both ${ours}`,
    );
  }, 120_000);

  it("a chain of two roles, the CLI first: the library makes 0 AssumeRole calls", async () => {
    const before = door.assumeRoles();
    const cliArn = await cliIdentity("hop-two");
    expect(door.assumeRoles() - before).toBe(2);
    expect(await libraryIdentity(library("hop-two"))).toBe(cliArn);
    expect(door.assumeRoles() - before).toBe(2);
  }, 120_000);

  it("MFA is asked once across a CLI run and a library run, whichever runs first", async () => {
    const before = door.assumeRoles();
    const cli = await cliWithInput("with-mfa", "123456\n");
    expect(cli.stderr).toContain(`Enter MFA code for ${MFA}`);
    const asked: string[] = [];
    const ours = await libraryIdentity(
      library("with-mfa", (serial) => {
        asked.push(serial);
        return "654321";
      }),
    );
    expect(ours).toBe(cli.arn);
    expect(asked).toEqual([]);
    expect(door.assumeRoles() - before).toBe(1);

    // The other way round, in a fresh home: the library asks, the CLI does not.
    aws.restore();
    aws = awsHome();
    aws.config(
      "[profile base]",
      `region = ${region}`,
      `endpoint_url = ${door.endpoint}`,
      "[profile with-mfa]",
      `role_arn = ${role("profile-mfa")}`,
      "source_profile = base",
      `mfa_serial = ${MFA}`,
      `region = ${region}`,
      `endpoint_url = ${door.endpoint}`,
    );
    aws.credentials(
      "[base]",
      `aws_access_key_id = ${callerCredentials.accessKeyId}`,
      `aws_secret_access_key = ${callerCredentials.secretAccessKey}`,
    );
    Object.assign(cliEnv, {
      HOME: aws.home,
      AWS_CONFIG_FILE: aws.configFile,
      AWS_SHARED_CREDENTIALS_FILE: aws.credentialsFile,
    });
    const second = await libraryIdentity(
      library("with-mfa", (serial) => {
        asked.push(serial);
        return "654321";
      }),
    );
    expect(asked).toEqual([MFA]);
    // No code on its standard input: had it prompted, it would have failed.
    const cliAfter = await cliWithInput("with-mfa", "");
    expect(cliAfter.stderr).not.toContain("Enter MFA code");
    expect(cliAfter.arn).toBe(second);
    expect(door.assumeRoles() - before).toBe(2);
    console.log(
      `MFA: asked once per pair of runs, ${door.assumeRoles() - before} AssumeRole calls for two pairs`,
    );
  }, 120_000);
});
