/**
 * A program and `@opentelemetry/api`: argv[2] `absent` makes the package unresolvable (a resolution
 * hook, as if it were not installed), `present` leaves it. Builds a refreshing provider, uses it, and
 * prints one JSON line: whether the API was loaded before the first refresh and after, how often it
 * was asked for, and whether the provider worked.
 */
import Module from "node:module";
import type * as Library from "../../../src";

const absent = process.argv[2] === "absent";
let asked = 0;
const resolver = Module as unknown as {
  _resolveFilename: (request: string, ...rest: unknown[]) => string;
};
const resolve = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]): string {
  if (request === "@opentelemetry/api" || request.startsWith("@opentelemetry/api/")) {
    asked++;
    if (absent)
      throw Object.assign(new Error(`Cannot find module '${request}'`), { code: "MODULE_NOT_FOUND" });
  }
  return resolve.call(this, request, ...rest);
};

const loaded = (): boolean => Object.keys(require.cache).some((path) => path.includes("@opentelemetry"));

const main = async (): Promise<void> => {
  // Loaded after the hook is in place.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- must come after the hook.
  const { fromFunction, refreshing } = require("../../../src") as typeof Library;
  const afterImport = loaded();
  const credentials = refreshing(
    fromFunction(() => ({
      accessKeyId: "ASIAPROBE",
      secretAccessKey: "probe-secret",
      expiration: new Date(Date.now() + 3_600_000),
    })),
  );
  const beforeRefresh = loaded();
  const first = await credentials();
  const second = await credentials();
  credentials.dispose();
  console.log(
    JSON.stringify({
      afterImport,
      beforeRefresh,
      afterRefresh: loaded(),
      asked,
      worked: first.accessKeyId === "ASIAPROBE" && second === first,
    }),
  );
};

void main();
