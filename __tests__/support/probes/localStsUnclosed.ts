/**
 * Starts a local STS in this process, assumes a role through it once over real HTTP, prints "used"
 * and returns without calling `close()`: the process must then exit at once, as the local STS
 * promises (nobody awaits the server, so neither it nor its idle keep-alive sockets may hold the
 * process).
 */
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { localSts } from "../../../src/testing";

async function main(): Promise<void> {
  const sts = await localSts();
  const client = new STSClient({
    region: "us-east-1",
    endpoint: sts.endpoint,
    credentials: sts.rootCredentials,
  });
  await client.send(
    new AssumeRoleCommand({
      RoleArn: "arn:aws:iam::123456789012:role/unclosed",
      RoleSessionName: "unclosed",
    }),
  );
  process.stdout.write("used\n");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
