/**
 * Testing your own code with a manual clock and the local STS: hours of credential refreshes in
 * milliseconds, no AWS account, and a server that rejects any request signed with expired credentials.
 *
 * Run:  npx tsx examples/testing-with-manual-clock.ts
 */
import assert from "node:assert/strict";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { session, type Session } from "aws-refresh-session";
import { localSts, manualClock } from "aws-refresh-session/testing";

/** The code under test: a job that reports who it runs as, through whatever session it is given. */
async function whoAmI(aws: Session, endpoint?: string): Promise<string> {
  const sts = aws.client(STSClient, endpoint === undefined ? {} : { endpoint });
  const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
  return Arn ?? "unknown";
}

async function main(): Promise<void> {
  const clock = manualClock();
  const sts = await localSts({ clock });
  const aws = session({
    region: "us-east-1",
    roleArn: "arn:aws:iam::123456789012:role/job",
    roleSessionName: "under-test",
    clock,
    clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
  });

  // Six hours of a job that runs every minute, with one-hour credentials: 360 runs, no waiting.
  for (let minute = 0; minute < 6 * 60; minute++) {
    assert.equal(await whoAmI(aws, sts.endpoint), "arn:aws:sts::123456789012:assumed-role/job/under-test");
    await clock.advance(60_000);
  }

  assert.deepEqual(sts.rejections, {}); // not one request signed with expired credentials
  assert.equal(sts.counts.GetCallerIdentity, 360);
  // One-hour credentials are refreshed in the background 45 to 47.5 minutes into their life (the
  // moment is jittered): 8 sets in 6 hours, the first one included.
  assert.equal(sts.counts.AssumeRole, 8);
  console.log(`ok: 360 runs over 6 simulated hours, ${sts.counts.AssumeRole} STS calls, 0 rejected`);

  aws.destroy();
  await sts.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
