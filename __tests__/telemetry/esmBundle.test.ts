/**
 * An ES module bundle (esbuild --format=esm, as a Lambda handler is bundled) has no `require` to load
 * `@opentelemetry/api` with, and the program's own copy of the API is inside the bundle. The library
 * reads what the program registered from the API's global, so such a bundle records too. Runs against
 * the built package (dist/esm, through its `module` condition), built here when it is missing.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

const root = join(__dirname, "..", "..");

const HANDLER = `
import { metrics } from "@opentelemetry/api";
import { AggregationTemporality, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { fromFunction, refreshing } from "aws-refresh-session";

class Reader extends MetricReader {
  onShutdown() { return Promise.resolve(); }
  onForceFlush() { return Promise.resolve(); }
}
const reader = new Reader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

const credentials = refreshing(
  fromFunction(async () => ({
    accessKeyId: "ASIAESMBUNDLE0000001",
    secretAccessKey: "secret",
    sessionToken: "token",
    expiration: new Date(Date.now() + 3_600_000),
  })),
);
await credentials();
const { resourceMetrics } = await reader.collect();
credentials.dispose();
const names = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((m) => m.descriptor.name));
console.log(JSON.stringify(names.sort()));
`;

describe("OpenTelemetry in an ES module bundle", () => {
  it("records through the providers the bundled program registered", async () => {
    if (!existsSync(join(root, "dist", "esm", "index.js"))) {
      execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "ignore" });
    }
    const work = await mkdtemp(join(tmpdir(), "ars-esm-otel-"));
    try {
      await mkdir(join(work, "node_modules"));
      await symlink(root, join(work, "node_modules", "aws-refresh-session"), "dir");
      await writeFile(join(work, "handler.mjs"), HANDLER);
      await build({
        entryPoints: [join(work, "handler.mjs")],
        bundle: true,
        platform: "node",
        format: "esm",
        outfile: join(work, "out.mjs"),
        logLevel: "silent",
        absWorkingDir: root,
        nodePaths: [join(root, "node_modules")],
        // What docs/bundling.md tells ES module bundles of the AWS SDK to add.
        banner: {
          js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
        },
      });
      const output = execFileSync(process.execPath, [join(work, "out.mjs")], {
        cwd: work,
        encoding: "utf8",
        env: { ...process.env, NODE_OPTIONS: "" },
      });
      expect(JSON.parse(output.trim().split("\n").at(-1) ?? "[]")).toEqual([
        "aws.credentials.expiry.remaining",
        "aws.credentials.refresh.duration",
      ]);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 60_000);
});
