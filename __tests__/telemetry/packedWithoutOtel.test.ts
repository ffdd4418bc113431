import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = join(__dirname, "..", "..");
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

/** Required as users require the package: a refresh, and what was loaded. */
const PROGRAM = `
const { fromFunction, refreshing } = require("aws-refresh-session");
const loaded = () => Object.keys(require.cache).some((path) => path.includes("@opentelemetry"));
const credentials = refreshing(
  fromFunction(() => ({ accessKeyId: "ASIAPACKED", secretAccessKey: "s", expiration: new Date(Date.now() + 3600000) })),
);
credentials().then(async (first) => {
  const second = await credentials();
  credentials.dispose();
  let resolvable = true;
  try { require.resolve("@opentelemetry/api"); } catch { resolvable = false; }
  console.log(JSON.stringify({ resolvable, loaded: loaded(), worked: first.accessKeyId === "ASIAPACKED" && first === second }));
});
`;

describe("the published package without @opentelemetry/api", () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "ars-no-otel-"));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("installs without it (an optional peer), refreshes, and loads nothing of it", async () => {
    // Built and packed as it is published; installed from npm's cache, offline, as a user installs it.
    await run("npm", ["run", "--silent", "build"], { cwd: root, env, timeout: 120_000 });
    await run("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", scratch], {
      cwd: root,
      env,
      timeout: 60_000,
    });
    const tarball = (await readdir(scratch)).find((name) => name.endsWith(".tgz"));
    expect(tarball).toBeDefined();
    const app = join(scratch, "app");
    await mkdir(app);
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
    await run(
      "npm",
      ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", join(scratch, tarball ?? "")],
      { cwd: app, env, timeout: 120_000 },
    );
    await writeFile(join(app, "program.cjs"), PROGRAM);
    const { stdout, stderr } = await run(process.execPath, ["program.cjs"], {
      cwd: app,
      env,
      timeout: 30_000,
    });
    expect(stderr).toBe("");
    expect(JSON.parse(stdout.trim())).toEqual({ resolvable: false, loaded: false, worked: true });
  }, 240_000);
});
