/**
 * A refresh policy of your own, composed from the same pieces refreshingRole is made of.
 *
 * Run against AWS:  ROLE_ARN=arn:aws:iam::<account>:role/<role> AWS_REGION=eu-west-1 npx tsx examples/custom-policy.ts
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { pipe } from "fp-ts/function";
import {
  assumeRole,
  backoffPolicy,
  memoizeUntil,
  retryWith,
  withExpiryBuffer,
  type CredentialProvider,
} from "aws-refresh-session";

const region = process.env.AWS_REGION ?? "us-east-1";
const roleArn = process.env.ROLE_ARN ?? "arn:aws:iam::123456789012:role/example-reader";

// Two-hour sessions, a 10-minute safety margin, and patient retries that log each attempt.
const credentials = pipe(
  assumeRole({ roleArn, roleSessionName: "custom-policy-example", durationSeconds: 7200, region }),
  retryWith(backoffPolicy({ retries: 6, baseDelayMs: 200, maxDelayMs: 20_000 }), {
    onRetry: ({ attempts, delayMs, error }) => {
      console.warn(`refresh attempt ${attempts} failed (${error.message}); retrying in ${delayMs} ms`);
    },
  }),
  withExpiryBuffer(10 * 60_000),
  memoizeUntil(),
);

// Any source of temporary credentials gets the same treatment: here, the role above seen through a
// function of our own, as a vault or an internal broker would be.
const fromBroker: CredentialProvider = async () => {
  const issued = await credentials();
  return { ...issued };
};
const brokered = pipe(fromBroker, retryWith(), withExpiryBuffer(60_000), memoizeUntil());

async function main(): Promise<void> {
  const sts = new STSClient({ region, credentials });
  const viaBroker = new STSClient({ region, credentials: brokered });
  const [direct, brokeredIdentity] = await Promise.all([
    sts.send(new GetCallerIdentityCommand({})),
    viaBroker.send(new GetCallerIdentityCommand({})),
  ]);
  console.log(`acting as ${direct.Arn}`);
  console.log(`via the broker: ${brokeredIdentity.Arn}`);
  const { expiration } = await credentials();
  console.log(`refreshes after ${expiration?.toISOString() ?? "never"}`);
  sts.destroy();
  viaBroker.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
