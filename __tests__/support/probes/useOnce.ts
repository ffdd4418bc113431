/**
 * Uses a refreshingRole once against the STS at argv[2] (with the caller's keys in argv[3] and
 * argv[4]), prints "used", and returns: the process must then exit at once.
 */
import { refreshingRole } from "../../../src";

async function main(): Promise<void> {
  const [endpoint = "", accessKeyId = "", secretAccessKey = ""] = process.argv.slice(2);
  const credentials = refreshingRole({
    roleArn: "arn:aws:iam::123456789012:role/exit-probe",
    region: "us-east-1",
    clientConfig: { endpoint, credentials: { accessKeyId, secretAccessKey } },
  });
  await credentials();
  process.stdout.write("used\n");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
