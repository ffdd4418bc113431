import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { pipe } from "fp-ts/function";
import {
  assumeRole,
  assumeRoleCacheKey,
  fileCache,
  withCache,
  type AssumeRoleOptions,
  type CacheEvent,
  type CredentialProvider,
} from "../../src";
import { callerCredentials, describeWithMoto, motoEndpoint } from "../support/motoEnv";

const inCi = process.env.CI === "true" || process.env.CI === "1";

/**
 * Why the AWS CLI on the PATH cannot run these tests, if it cannot: it must be there, and honour
 * `endpoint_url` in a profile (to reach moto), which v1 does from 1.29 and v2 from 2.13.
 */
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
  if (inCi) throw new Error(`CI requires the AWS CLI for the CLI interop tests: ${unusable}`);
  console.warn(`[aws-refresh-session] skipped: ${unusable}`);
}
const describeWithCli = unusable === undefined ? describeWithMoto : describe.skip;

const region = "us-east-1";
const run = promisify(execFile);

/** An AssumeRole source that counts its calls: the only way this library reaches STS in these tests. */
const counting = (options: AssumeRoleOptions) => {
  const source = assumeRole(options);
  const counter = { calls: 0 };
  const provider: CredentialProvider = (providerOptions) => {
    counter.calls++;
    return source(providerOptions);
  };
  return { provider, counter };
};

describeWithCli("sharing assumed-role sessions with the real AWS CLI against moto", () => {
  let home: string;
  let cacheDirectory: string;
  let env: NodeJS.ProcessEnv;

  /** Runs `aws sts get-caller-identity` as the CLI user of `home` would, and returns the ARN it prints. */
  const cliIdentity = async (profile: string): Promise<string> => {
    const { stdout } = await run(
      "aws",
      ["sts", "get-caller-identity", "--profile", profile, "--output", "json"],
      {
        env,
        timeout: 60_000,
      },
    );
    return (JSON.parse(stdout) as { Arn: string }).Arn;
  };

  const identityOf = async (provider: CredentialProvider): Promise<string | undefined> => {
    const client = new STSClient({ region, endpoint: motoEndpoint, credentials: provider });
    try {
      return (await client.send(new GetCallerIdentityCommand({}))).Arn;
    } finally {
      client.destroy();
    }
  };

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "aws-cli-home-"));
    cacheDirectory = join(home, ".aws", "cli", "cache");
    mkdirSync(join(home, ".aws"));
    writeFileSync(
      join(home, ".aws", "config"),
      [
        "[profile base]",
        `region = ${region}`,
        `endpoint_url = ${motoEndpoint}`,
        "",
        "[profile reader]",
        "role_arn = arn:aws:iam::123456789012:role/cli-reader",
        "source_profile = base",
        `region = ${region}`,
        `endpoint_url = ${motoEndpoint}`,
        "",
        "[profile auditor]",
        "role_arn = arn:aws:iam::123456789012:role/cli-auditor",
        "role_session_name = audit-session",
        "external_id = audit-ext-1",
        "duration_seconds = 1800",
        "source_profile = base",
        `region = ${region}`,
        `endpoint_url = ${motoEndpoint}`,
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(home, ".aws", "credentials"),
      `[base]\naws_access_key_id = ${callerCredentials.accessKeyId}\naws_secret_access_key = ${callerCredentials.secretAccessKey}\n`,
    );
    // The CLI sees only this home: none of the runner's AWS settings.
    env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")));
    Object.assign(env, {
      HOME: home,
      AWS_CONFIG_FILE: join(home, ".aws", "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    });
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it("the CLI assumes the role first; the library serves the CLI's entry with 0 AssumeRole calls", async () => {
    const cliArn = await cliIdentity("auditor");
    expect(cliArn).toBe("arn:aws:sts::123456789012:assumed-role/cli-auditor/audit-session");

    // The options that match the profile: role_arn, role_session_name, external_id, duration_seconds.
    const options: AssumeRoleOptions = {
      roleArn: "arn:aws:iam::123456789012:role/cli-auditor",
      roleSessionName: "audit-session",
      externalId: "audit-ext-1",
      durationSeconds: 1800,
      region,
      clientConfig: { endpoint: motoEndpoint, credentials: callerCredentials },
    };
    const key = assumeRoleCacheKey(options);
    const cliEntry = JSON.parse(readFileSync(join(cacheDirectory, `${key}.json`), "utf8")) as {
      Credentials: { AccessKeyId: string };
    };
    const source = counting(options);
    const events: CacheEvent[] = [];
    const credentials = pipe(
      source.provider,
      withCache(fileCache({ directory: cacheDirectory }), key, { onEvent: (event) => events.push(event) }),
    );
    const served = await credentials();
    expect(source.counter.calls).toBe(0);
    expect(served.accessKeyId).toBe(cliEntry.Credentials.AccessKeyId);
    expect(events.map((event) => event.type)).toEqual(["cache-hit"]);
    // And they work: moto sees the CLI's session.
    expect(await identityOf(credentials)).toBe(cliArn);
    console.log(
      `CLI first: the library made ${source.counter.calls} AssumeRole calls and acted as ${cliArn}`,
    );
  }, 120_000);

  it("the library assumes the role first; the CLI uses the library's entry, with the library's session name", async () => {
    const options: AssumeRoleOptions = {
      roleArn: "arn:aws:iam::123456789012:role/cli-reader",
      region,
      clientConfig: { endpoint: motoEndpoint, credentials: callerCredentials },
    };
    const key = assumeRoleCacheKey(options);
    const source = counting(options);
    const credentials = pipe(source.provider, withCache(fileCache({ directory: cacheDirectory }), key));
    const ours = await credentials();
    expect(source.counter.calls).toBe(1);
    const ourArn = await identityOf(credentials);
    expect(ourArn).toMatch(
      /^arn:aws:sts::123456789012:assumed-role\/cli-reader\/aws-refresh-session-\d+-[0-9a-f]{8}$/,
    );
    const written = readFileSync(join(cacheDirectory, `${key}.json`), "utf8");

    // Had the CLI called AssumeRole itself, it would be botocore-session-<time>, and it would have
    // rewritten the entry with the whole response.
    const cliArn = await cliIdentity("reader");
    expect(cliArn).toBe(ourArn);
    expect(readFileSync(join(cacheDirectory, `${key}.json`), "utf8")).toBe(written);
    expect(written).toContain(ours.accessKeyId);
    console.log(`library first: the CLI acted as ${cliArn} (0 AssumeRole calls of its own)`);
  }, 120_000);
});
