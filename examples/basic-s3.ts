/**
 * Basic use: an S3 client whose credentials refresh themselves.
 *
 * Run against AWS:  ROLE_ARN=arn:aws:iam::<account>:role/<role> AWS_REGION=eu-west-1 npx tsx examples/basic-s3.ts
 * (the caller's own credentials come from the usual places: environment, ~/.aws, instance role, ...).
 * The tests run it against moto by setting AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL_S3.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { refreshingRole } from "aws-refresh-session";

const region = process.env.AWS_REGION ?? "us-east-1";
const roleArn = process.env.ROLE_ARN ?? "arn:aws:iam::123456789012:role/example-s3-writer";

async function main(): Promise<void> {
  const s3 = new S3Client({
    region,
    credentials: refreshingRole({ roleArn, roleSessionName: "basic-s3-example", region }),
    // Local S3 endpoints (moto, MinIO) need path-style URLs; AWS does not.
    forcePathStyle: process.env.AWS_S3_FORCE_PATH_STYLE === "true",
  });

  const Bucket = process.env.EXAMPLE_BUCKET ?? `aws-refresh-session-example-${Date.now()}`;
  if (process.env.EXAMPLE_BUCKET === undefined) await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutObjectCommand({ Bucket, Key: "greeting.txt", Body: "hello from a refreshing role" }));
  const object = await s3.send(new GetObjectCommand({ Bucket, Key: "greeting.txt" }));
  console.log(`s3://${Bucket}/greeting.txt: ${await object.Body?.transformToString()}`);
  s3.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
