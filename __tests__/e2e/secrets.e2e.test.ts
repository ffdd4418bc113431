import { inspect } from "node:util";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { CredentialRefreshError, session, type RefreshEvent } from "../../src";
import { localSts, manualClock } from "../../src/testing";

/**
 * Everything our objects can say — events, log lines, errors, inspect and JSON of credentials,
 * providers and sessions — searched for every secret the STS issued or holds, through refreshes and
 * failures.
 */
describe("secrets never leak", () => {
  it("not in events, log lines, errors, inspect or JSON, through refreshes and failures", async () => {
    const clock = manualClock();
    const sts = await localSts({ clock });
    const outputs: string[] = [];
    const capture = (value: unknown) => {
      outputs.push(typeof value === "string" ? value : inspect(value, { depth: 10, showHidden: true }));
      try {
        outputs.push(JSON.stringify({ value }));
      } catch {
        // not JSON-able: inspect above is what a logger would print
      }
    };
    const logger = { debug: capture, info: capture, warn: capture, error: capture };
    const aws = session({
      region: "us-east-1",
      roleArn: "arn:aws:iam::123456789012:role/secretive",
      clock,
      durationSeconds: 900,
      logger,
      onEvent: (event: RefreshEvent) => {
        capture(event);
      },
      onRetry: (event) => {
        capture(event);
      },
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    const client = aws.client(STSClient, { endpoint: sts.endpoint });

    for (let cycle = 0; cycle < 3; cycle++) {
      capture(await aws.credentials());
      await client.send(new GetCallerIdentityCommand({}));
      await clock.advance(12 * 60_000); // into the advisory window: a background refresh
    }
    // Failures: in the advisory window (served from cache), then past the deadline (errors).
    sts.inject({ kind: "server-error", status: 503 }, { times: Infinity, action: "AssumeRole" });
    await clock.advance(60_000);
    await clock.advance(13 * 60_000); // past any deadline: 900 s credentials are served 750 s at most
    const state = { settled: false };
    const failing = aws
      .credentials()
      .catch((e: unknown) => e)
      .finally(() => (state.settled = true));
    // Its retries back off on the manual clock: move it along until they give up.
    for (let i = 0; i < 60 && !state.settled; i++) await clock.advance(1_000);
    const error = await failing;
    expect(error).toBeInstanceOf(CredentialRefreshError);
    capture(error);
    capture((error as Error).message);
    capture((error as Error).stack);
    capture(aws);
    capture(aws.credentials);
    capture(sts);
    aws.destroy();
    await sts.close();

    const secrets = [
      sts.rootCredentials.secretAccessKey,
      ...sts.issued.flatMap((issued) => [issued.secretAccessKey, issued.sessionToken]),
    ];
    expect(sts.issued.length).toBeGreaterThanOrEqual(3);
    expect(outputs.length).toBeGreaterThan(20);
    const leaks = outputs.flatMap((output) => secrets.filter((secret) => output.includes(secret)));
    expect(leaks).toEqual([]);
    // The search could only fail if the outputs mention the credentials at all: they do, by key id.
    expect(outputs.some((output) => output.includes(sts.issued[0]!.accessKeyId))).toBe(true);
  });
});
