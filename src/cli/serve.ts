import type { RefreshingProvider } from "../pipeline/refreshAhead";
import { serveCredentials } from "../server/serveCredentials";
import type { CliIo } from "./CliIo";
import { noCredentials } from "./noCredentials";
import { describeRefreshFailure } from "./exec";
import type { ParsedFlags } from "./parseFlags";
import { providerFromFlags } from "./providerFromFlags";
import { resolveRegion } from "./resolveRegion";

const STOPPING = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * `serve`: the endpoint of `exec` without a command. Prints the two lines to export (the token is the
 * point of this command: it goes to standard output, never to standard error), then serves until a
 * signal stops it; a status line on standard error at each refresh unless `--quiet`.
 *
 * @internal
 */
export const runServe = async (flags: ParsedFlags, io: CliIo): Promise<number> => {
  let refreshes = 0;
  // Refresh failures are told once serving; a failure of the first fetch is told below.
  let serving = false;
  let served = (): number => 0;
  const status = (): void => {
    if (flags.quiet) return;
    const next = provider.status().refreshAt;
    io.stderr(
      `aws-refresh-session: refreshes ${refreshes}, next refresh ${next === undefined ? "not scheduled" : next.toISOString()}, requests served ${served()}\n`,
    );
  };
  const provider: RefreshingProvider = providerFromFlags(flags.role, {
    onEvent: (event) => {
      if (event.type === "refresh-success") {
        refreshes++;
        // After the event: the provider's status then shows the new credentials' refresh moment.
        queueMicrotask(status);
      }
      const line = describeRefreshFailure(event);
      if (line !== undefined && !flags.quiet && serving) io.stderr(line);
    },
  });
  try {
    try {
      await provider();
    } catch (error) {
      io.stderr(
        `aws-refresh-session: no credentials for the role: ${noCredentials(error, flags.role, io.env)}\n`,
      );
      return 1;
    }
    serving = true;
    const region = await resolveRegion(flags.role.region, io.env);
    const server = await serveCredentials(provider, {
      environment: io.env,
      ...(region === undefined ? {} : { region }),
    });
    served = () => server.stats().served;
    try {
      // Listening before the lines are printed: whoever reads them may stop us at once.
      const stopped = new Promise<void>((resolve) => {
        const stop = (): void => {
          for (const signal of STOPPING) process.off(signal, stop);
          resolve();
        };
        for (const signal of STOPPING) process.on(signal, stop);
      });
      io.stdout(
        `export AWS_CONTAINER_CREDENTIALS_FULL_URI=${server.url}\nexport AWS_CONTAINER_AUTHORIZATION_TOKEN=${server.token}\n`,
      );
      await stopped;
      return 0;
    } finally {
      await server.close();
    }
  } finally {
    provider.dispose();
  }
};
