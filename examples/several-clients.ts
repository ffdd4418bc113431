/**
 * One session for a whole program: several clients, one refreshing credential, one STS call per refresh.
 *
 * Run against AWS:  ROLE_ARN=arn:aws:iam::<account>:role/<role> AWS_REGION=eu-west-1 npx tsx examples/several-clients.ts
 */
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { session } from "aws-refresh-session";

const aws = session({
  region: process.env.AWS_REGION ?? "us-east-1",
  roleArn: process.env.ROLE_ARN ?? "arn:aws:iam::123456789012:role/example-worker",
  roleSessionName: "several-clients-example",
});

async function main(): Promise<void> {
  // Ask for a client where you need it: the same class and config give back the same client.
  const s3 = aws.client(S3Client, { forcePathStyle: process.env.AWS_S3_FORCE_PATH_STYLE === "true" });
  const sts = aws.client(STSClient);
  const [identity, buckets] = await Promise.all([
    sts.send(new GetCallerIdentityCommand({})),
    s3.send(new ListBucketsCommand({})),
  ]);
  console.log(`acting as ${identity.Arn}; ${buckets.Buckets?.length ?? 0} buckets visible`);
  console.log(`same STS client again: ${String(aws.client(STSClient) === sts)}`);
  aws.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
