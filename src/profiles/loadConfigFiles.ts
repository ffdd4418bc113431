/**
 * Reading the shared config files (`~/.aws/config`, `~/.aws/credentials`) as the SDK reads them: the
 * same paths, the same environment variables, and the SDK's own parser, so that `[profile x]`,
 * `[sso-session x]`, `[services x]` and the credentials file mean here exactly what they mean to the SDK.
 *
 * @packageDocumentation
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import { getHomeDir, loadSharedConfigFiles } from "@smithy/core/config";
import type { ParsedIniData, SharedConfigFiles } from "@smithy/types";
import { describeError } from "../errors/CredentialRefreshError";
import { hideKeysAndTokens } from "../core/secretText";

/**
 * Where the two files are: `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, or `~/.aws/config` and
 * `~/.aws/credentials`, with a leading `~/` taken as the home directory, as the SDK takes it.
 *
 * @internal
 */
export interface ConfigFilePaths {
  readonly configFile: string;
  readonly credentialsFile: string;
}

const expandHome = (path: string): string =>
  path.startsWith("~/") ? join(getHomeDir(), path.slice(2)) : path;

/** @internal */
export const configFilePaths = (env: NodeJS.ProcessEnv = process.env): ConfigFilePaths => ({
  configFile: expandHome(env.AWS_CONFIG_FILE || join(getHomeDir(), ".aws", "config")),
  credentialsFile: expandHome(env.AWS_SHARED_CREDENTIALS_FILE || join(getHomeDir(), ".aws", "credentials")),
});

/**
 * A file that exists but cannot be read. A missing file is no error (the SDK and the CLI take it as
 * empty); any other failure names the file and the reason, never its content.
 *
 * @internal
 */
export class ConfigFileError extends Error {
  override readonly name = "ConfigFileError";
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`cannot read ${file}: ${hideKeysAndTokens(reason)}`);
  }
}

/** Node's own words for a failed read (`EACCES: permission denied, open '...'`). */
const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : describeError(error));

const isMissing = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === "ENOENT";

const readSync = (file: string): string => {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if (isMissing(error)) return "";
    throw new ConfigFileError(file, reasonOf(error));
  }
};

const readAsync = async (file: string): Promise<string> => {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (isMissing(error)) return "";
    throw new ConfigFileError(file, reasonOf(error));
  }
};

/**
 * The profiles as the SDK's `parseKnownFiles` gives them: the config file's, with the credentials
 * file's keys over them for a profile in both. `sso-session.x` and `services.x` sections stay under
 * those names in `configFile`.
 *
 * @internal
 */
export const mergedProfiles = (files: SharedConfigFiles): ParsedIniData => {
  const merged: ParsedIniData = {};
  for (const file of [files.configFile, files.credentialsFile]) {
    for (const [name, values] of Object.entries(file)) {
      merged[name] = { ...merged[name], ...values };
    }
  }
  return merged;
};

// The SDK's parser is asynchronous only (it reads the files itself), and `refreshingProfile` must
// name every problem when it is built. So at construction the texts read here are parsed by the
// SDK's own loader in a short-lived worker, through the loader's file interceptor there (never in this
// thread, where it is global state that other SDK code uses), while this thread waits on an Atomics
// flag. At each refresh, the loader runs here, asynchronously, as the SDK runs it.
// The worker loads everything with import(), the one loader both builds can hand it: the URL of the
// SDK's loader module is resolved here, by the build's own module system (see sdkLoaderUrl).
const WORKER = `
const main = async () => {
  const { workerData } = await import("node:worker_threads");
  const { port, flag, loader, paths, texts } = workerData;
  const done = (message) => { port.postMessage(message); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); };
  let config;
  try {
    const imported = await import(loader);
    config = typeof imported.loadSharedConfigFiles === "function" ? imported : imported.default;
  } catch (error) {
    done({ unavailable: String(error && error.message) });
    return;
  }
  try {
    config.externalDataInterceptor.interceptFile(paths.configFile, texts.configFile);
    config.externalDataInterceptor.interceptFile(paths.credentialsFile, texts.credentialsFile);
    done({ files: await config.loadSharedConfigFiles({ configFilepath: paths.configFile, filepath: paths.credentialsFile }) });
  } catch (error) {
    done({ error: String(error && error.message) });
  }
};
void main();
`;

/**
 * The URL of `@smithy/core/config`, for the worker's import(). The ES module build rewrites this
 * expression to `import.meta.resolve("@smithy/core/config")` (scripts/build.mjs).
 */
const sdkLoaderUrl = (): string => pathToFileURL(require.resolve("@smithy/core/config")).href;

/**
 * The SDK's loader could not be run at construction (a bundle that left no `@smithy/core` to import, a
 * worker thread that would not start): nothing to do with the files, and said so.
 *
 * @internal
 */
export class ConfigLoaderError extends Error {
  override readonly name = "ConfigLoaderError";
  constructor(reason: string) {
    super(
      `the SDK's config file loader (@smithy/core/config) could not be run in a worker thread to read the files now: ${hideKeysAndTokens(reason)}; ` +
        "a bundle must leave @smithy/core out (installed beside it) for refreshingProfile",
    );
  }
}

const WORKER_TIMEOUT_MS = 30_000;

/**
 * Reads and parses both files now, synchronously (for construction). Throws a {@link ConfigFileError}
 * for a file that cannot be read, a {@link ConfigLoaderError} when the SDK's loader cannot be run
 * (`loaderUrl` gives its module's URL; tests give another).
 *
 * @internal
 */
export const loadConfigFilesSync = (
  paths: ConfigFilePaths = configFilePaths(),
  loaderUrl: () => string = sdkLoaderUrl,
): SharedConfigFiles => {
  const texts = { configFile: readSync(paths.configFile), credentialsFile: readSync(paths.credentialsFile) };
  if (texts.configFile === "" && texts.credentialsFile === "") return { configFile: {}, credentialsFile: {} };
  let loader: string;
  try {
    loader = loaderUrl();
  } catch (error) {
    throw new ConfigLoaderError(reasonOf(error));
  }
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  let worker: Worker;
  try {
    worker = new Worker(WORKER, {
      eval: true,
      workerData: { port: port2, flag, loader, paths, texts },
      transferList: [port2],
      stdout: true,
      stderr: true,
    });
  } catch (error) {
    port1.close();
    throw new ConfigLoaderError(reasonOf(error));
  }
  worker.unref();
  try {
    Atomics.wait(flag, 0, 0, WORKER_TIMEOUT_MS);
    const answer = receiveMessageOnPort(port1)?.message as
      { files?: SharedConfigFiles; error?: string; unavailable?: string } | undefined;
    if (answer?.files !== undefined) return answer.files;
    if (answer?.error !== undefined) throw new ConfigFileError(paths.configFile, answer.error);
    throw new ConfigLoaderError(answer?.unavailable ?? `it did not answer within ${WORKER_TIMEOUT_MS} ms`);
  } finally {
    port1.close();
    void worker.terminate();
  }
};

/**
 * Reads and parses both files again, with the SDK's loader (at each refresh: an edited profile takes
 * effect then). Throws a {@link ConfigFileError} for a file that cannot be read.
 *
 * @internal
 */
export const loadConfigFiles = async (
  paths: ConfigFilePaths = configFilePaths(),
): Promise<SharedConfigFiles> => {
  // Read here first, only to name a file that cannot be read: the SDK's loader takes it as empty.
  await Promise.all([readAsync(paths.configFile), readAsync(paths.credentialsFile)]);
  return loadSharedConfigFiles({
    configFilepath: paths.configFile,
    filepath: paths.credentialsFile,
    ignoreCache: true,
  });
};
