import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { callerCredentials, describeWithMoto, motoEndpoint } from "./support/motoEnv";

const run = promisify(execFile);
const root = join(__dirname, "..");
const tsx = join(root, "node_modules", ".bin", "tsx");

/** Runs an example as a user would, in its own process, and returns what it printed. */
const runExample = async (name: string, env: Record<string, string> = {}) => {
  const { stdout } = await run(tsx, [join(root, "examples", name)], {
    cwd: root,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
    timeout: 60_000,
  });
  return stdout;
};

describe("examples", () => {
  it("testing-with-manual-clock.ts runs six simulated hours against the local STS", async () => {
    await expect(runExample("testing-with-manual-clock.ts")).resolves.toContain(
      "ok: 360 runs over 6 simulated hours, 8 STS calls, 0 rejected",
    );
  }, 60_000);

  describeWithMoto("against moto, configured the standard way (AWS_ENDPOINT_URL_*)", () => {
    const motoEnv = () => ({
      AWS_ENDPOINT_URL_STS: motoEndpoint ?? "",
      AWS_ENDPOINT_URL_S3: motoEndpoint ?? "",
      AWS_ACCESS_KEY_ID: callerCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: callerCredentials.secretAccessKey,
      AWS_REGION: "us-east-1",
      AWS_S3_FORCE_PATH_STYLE: "true",
    });

    it("basic-s3.ts writes and reads an object as the role", async () => {
      await expect(runExample("basic-s3.ts", motoEnv())).resolves.toMatch(
        /^s3:\/\/aws-refresh-session-example-\d+\/greeting\.txt: hello from a refreshing role$/m,
      );
    }, 60_000);

    it("custom-policy.ts acts as the role, directly and through a custom source", async () => {
      const output = await runExample("custom-policy.ts", motoEnv());
      expect(output).toContain(
        "acting as arn:aws:sts::123456789012:assumed-role/example-reader/custom-policy-example",
      );
      expect(output).toContain(
        "via the broker: arn:aws:sts::123456789012:assumed-role/example-reader/custom-policy-example",
      );
      // The margin is the cache's own: the expiration callers see is STS's, two hours away.
      const expiresAt = Date.parse(/^expires at (\S+),/m.exec(output)?.[1] ?? "");
      expect(Math.abs(expiresAt - (Date.now() + 2 * 3_600_000))).toBeLessThan(2 * 60_000);
    }, 60_000);

    it("several-clients.ts shares one session between S3 and STS clients", async () => {
      const output = await runExample("several-clients.ts", motoEnv());
      expect(output).toContain(
        "acting as arn:aws:sts::123456789012:assumed-role/example-worker/several-clients-example",
      );
      expect(output).toContain("same STS client again: true");
    }, 60_000);
  });
});
