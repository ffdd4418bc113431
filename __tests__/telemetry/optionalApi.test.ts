import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const root = join(__dirname, "..", "..");
const probe = (name: string) => join(__dirname, "..", "support", "probes", name);
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

const runProbe = async (args: string[]): Promise<Record<string, unknown>> => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
    cwd: root,
    env,
    timeout: 60_000,
  });
  expect(stderr).toBe(""); // no warning, no error
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
};

describe("@opentelemetry/api, an optional peer", () => {
  it("without it (unresolvable, as if not installed), providers work and nothing of it is loaded", async () => {
    expect(await runProbe(["--import", "tsx", probe("noOtel.ts"), "absent"])).toEqual({
      afterImport: false,
      beforeRefresh: false,
      afterRefresh: false,
      asked: 0, // never: what a program registered is read from the API's global, no module is loaded
      worked: true,
    });
  }, 60_000);

  it("with it installed, it is still never loaded by the library: a program that registers providers loads it", async () => {
    expect(await runProbe(["--import", "tsx", probe("noOtel.ts"), "present"])).toEqual({
      afterImport: false,
      beforeRefresh: false,
      afterRefresh: false,
      asked: 0,
      worked: true,
    });
  }, 60_000);

  it("the expiry gauge keeps no dropped provider alive, and stops reporting it once collected", async () => {
    expect(await runProbe(["--expose-gc", "--import", "tsx", probe("droppedTelemetry.ts")])).toEqual({
      dropped: 50,
      collected: 50,
      before: [10], // minutes: the soonest expiry, the dropped providers' ten minutes
      after: [60], // the kept provider's hour
    });
  }, 60_000);
});
