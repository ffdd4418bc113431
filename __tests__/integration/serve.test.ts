import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromHttp } from "@aws-sdk/credential-provider-http";
import { localSts, type LocalSts } from "../../src/testing";
import { buildCli, cleanEnv, runCli, type CliRun } from "../support/cli";

const region = "us-east-1";
const ROLE = "arn:aws:iam::123456789012:role/served";

let cli: { path: string; remove: () => void };
let home: string;
let sts: LocalSts;
beforeAll(async () => {
  cli = await buildCli();
});
afterAll(() => {
  cli.remove();
});
beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), "ars-serve-home-"));
  sts = await localSts({ credentialLifetimeMs: 3_000 });
});
afterEach(async () => {
  await sts.close();
  rmSync(home, { recursive: true, force: true });
});

/** Starts `serve`, and resolves with the two exported variables once they are printed. */
const serve = (
  extra: readonly string[],
): { done: Promise<CliRun>; exported: Promise<Record<string, string>>; child: Promise<ChildProcess> } => {
  let resolveChild: (child: ChildProcess) => void = () => undefined;
  const child = new Promise<ChildProcess>((resolve) => (resolveChild = resolve));
  let resolveExported: (variables: Record<string, string>) => void = () => undefined;
  const exported = new Promise<Record<string, string>>((resolve) => (resolveExported = resolve));
  const done = runCli(
    cli.path,
    ["serve", "--role-arn", ROLE, "--region", region, "--mandatory-window-seconds", "1", ...extra],
    cleanEnv(home, {
      AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sts.rootCredentials.secretAccessKey,
      AWS_ENDPOINT_URL: sts.endpoint,
    }),
    {
      onSpawn: (spawned) => {
        resolveChild(spawned);
        let out = "";
        spawned.stdout?.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const lines = [...out.matchAll(/^export (\w+)=(\S+)$/gm)];
          if (lines.length === 2)
            resolveExported(
              Object.fromEntries(lines.map(([, name, value]): [string, string] => [name ?? "", value ?? ""])),
            );
        });
      },
    },
  );
  return { done, exported, child };
};

describe("serve", () => {
  it("prints the two lines to export, serves a client across refreshes, tells refreshes on standard error, and stops on SIGINT", async () => {
    const { done, exported, child } = serve([]);
    const variables = await exported;
    expect(Object.keys(variables)).toEqual([
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    ]);
    const credentials = fromHttp({
      awsContainerCredentialsFullUri: variables.AWS_CONTAINER_CREDENTIALS_FULL_URI,
      awsContainerAuthorizationToken: variables.AWS_CONTAINER_AUTHORIZATION_TOKEN,
    });
    const client = new STSClient({ region, endpoint: sts.endpoint, credentials });
    const keys = new Set<string>();
    let failures = 0;
    const end = Date.now() + 7_000;
    try {
      while (Date.now() < end) {
        try {
          await client.send(new GetCallerIdentityCommand({}));
          keys.add((await credentials()).accessKeyId);
        } catch {
          failures++;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      client.destroy();
    }
    (await child).kill("SIGINT");
    const run = await done;
    expect(run.status).toBe(0);
    expect(failures).toBe(0);
    expect(keys.size).toBeGreaterThanOrEqual(3);
    const status = run.stderr
      .split("\n")
      .filter((line) => line.startsWith("aws-refresh-session: refreshes "));
    expect(status.length).toBeGreaterThanOrEqual(3);
    expect(status.at(-1)).toMatch(
      /^aws-refresh-session: refreshes \d+, next refresh \S+Z, requests served [1-9]\d*$/,
    );
    // The token goes to standard output only (it is what serve is for); no key, no secret anywhere.
    expect(run.stderr).not.toContain(variables.AWS_CONTAINER_AUTHORIZATION_TOKEN);
    for (const issued of sts.issued) {
      expect(`${run.stdout}${run.stderr}`).not.toContain(issued.secretAccessKey);
    }
  }, 60_000);

  it("--quiet: no status line; SIGTERM stops it", async () => {
    const { done, exported, child } = serve(["--quiet"]);
    await exported;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    (await child).kill("SIGTERM");
    const run = await done;
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    expect(sts.counts.AssumeRole).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
