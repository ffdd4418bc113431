/**
 * One process that shares credentials through a fileCache, for the cross-process tests. Its
 * configuration is JSON in argv[2]:
 *
 * - `use` (default): builds assumeRole (against the STS at `endpoint`) under withCache(fileCache(...)),
 *   gets credentials once, and prints `{ accessKeyId, expiration, events }` as JSON. Entries are bound
 *   to the role (withCache's `roleArn`). With `barrier`, it
 *   first prints "ready" and waits for a line on its standard input, so that a test can start many
 *   together. With `mfaAsksFile`, the role needs MFA, and each ask for a code appends a line there.
 * - `hold`: takes the cache's lock on the role's key, prints "locked", and holds it until killed.
 */
import { appendFileSync } from "node:fs";
import { pipe } from "fp-ts/function";
import {
  assumeRole,
  assumeRoleCacheKey,
  fileCache,
  withCache,
  type AssumeRoleOptions,
  type CacheEvent,
} from "../../../src";

interface ProbeConfig {
  readonly mode?: "use" | "hold";
  readonly directory?: string;
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly roleArn: string;
  readonly roleSessionName?: string;
  readonly barrier?: boolean;
  readonly mfaAsksFile?: string;
  readonly staleLockMs?: number;
  readonly lockWaitMs?: number;
  readonly minRemainingMs?: number;
}

const waitForGo = (): Promise<void> =>
  new Promise((resolve) => {
    process.stdout.write("ready\n");
    process.stdin.once("data", () => {
      process.stdin.pause();
      resolve();
    });
  });

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "{}") as ProbeConfig;
  const options: AssumeRoleOptions = {
    roleArn: config.roleArn,
    region: "us-east-1",
    ...(config.roleSessionName === undefined ? {} : { roleSessionName: config.roleSessionName }),
    clientConfig: {
      endpoint: config.endpoint,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    },
    ...(config.mfaAsksFile === undefined
      ? {}
      : {
          mfa: {
            serialNumber: "arn:aws:iam::123456789012:mfa/alice",
            tokenCode: () => {
              appendFileSync(config.mfaAsksFile as string, `asked by ${process.pid}\n`);
              return "123456";
            },
          },
        }),
  };
  const cache = fileCache({
    ...(config.directory === undefined ? {} : { directory: config.directory }),
    ...(config.staleLockMs === undefined ? {} : { staleLockMs: config.staleLockMs }),
    ...(config.lockWaitMs === undefined ? {} : { lockWaitMs: config.lockWaitMs }),
  });
  const key = assumeRoleCacheKey(options);

  if (config.mode === "hold") {
    // Nothing else keeps this process alive while it holds the lock: the lock's own timer is unref'd.
    setInterval(() => undefined, 60_000);
    await cache.lock(
      key,
      () => {
        process.stdout.write("locked\n");
        return new Promise<never>(() => undefined);
      },
      () => undefined,
    );
    return;
  }

  const events: CacheEvent[] = [];
  const credentials = pipe(
    assumeRole(options),
    withCache(cache, key, {
      // As refreshingRole's cache layer does: the entry is this role's, or it is not used.
      roleArn: config.roleArn,
      onEvent: (event) => events.push(event),
      ...(config.minRemainingMs === undefined ? {} : { minRemainingMs: config.minRemainingMs }),
    }),
  );
  if (config.barrier === true) await waitForGo();
  const issued = await credentials();
  process.stdout.write(
    `${JSON.stringify({
      accessKeyId: issued.accessKeyId,
      expiration: issued.expiration,
      events: events.map((event) =>
        event.type === "cache-warning"
          ? {
              type: event.type,
              location: event.location,
              problem: event.error.problem,
              message: event.error.message,
            }
          : event,
      ),
    })}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
