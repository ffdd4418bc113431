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
  type CredentialProvider,
} from "aws-refresh-session";

const region = process.env.AWS_REGION ?? "us-east-1";
const roleArn = process.env.ROLE_ARN ?? "arn:aws:iam::123456789012:role/example-reader";

// Two-hour sessions, replaced 10 minutes before they expire, and patient retries that log each attempt.
// The margin is the cache's own: callers (and caches built on this one) see STS's real expiration.
const credentials = pipe(
  assumeRole({ roleArn, roleSessionName: "custom-policy-example", durationSeconds: 7200, region }),
  retryWith(backoffPolicy({ retries: 6, baseDelayMs: 200, maxDelayMs: 20_000 }), {
    onRetry: ({ attempts, delayMs, error }) => {
      console.warn(`refresh attempt ${attempts} failed (${error.message}); retrying in ${delayMs} ms`);
    },
  }),
  memoizeUntil({ marginMs: 10 * 60_000 }),
);

// Any source of temporary credentials gets the same treatment: here, the role above seen through a
// function of our own, as a vault or an internal broker would be: a cache over a cache. Passing the
// options on lets the cache below know which key is being replaced, so it hands over a newer one.
const fromBroker: CredentialProvider = async (options) => {
  const issued = await credentials(options);
  return { ...issued };
};
const brokered = pipe(fromBroker, retryWith(), memoizeUntil({ marginMs: 60_000 }));

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
  console.log(`expires at ${expiration?.toISOString() ?? "never"}, replaced 10 minutes before`);
  sts.destroy();
  viaBroker.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
