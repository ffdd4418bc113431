import { spawnSync } from "node:child_process";

/**
 * Child programs that `aws-refresh-session exec` runs in the tests: each acts through its own SDK's
 * default credential chain, with nothing but the environment exec gives it, and writes what it saw as
 * JSON to `$CHILD_OUT`. `$CHILD_SECONDS` is how long the loops run (one call if 0).
 */

/** botocore: a session, an STS client, get_caller_identity in a loop; the access keys it signed with. */
export const BOTOCORE_LOOP = `
import json, os, time
import botocore.session
session = botocore.session.get_session()
client = session.create_client("sts")
end = time.time() + float(os.environ["CHILD_SECONDS"])
calls, fails, keys, arns, errors = 0, 0, [], set(), []
while True:
    try:
        arns.add(client.get_caller_identity()["Arn"])
        calls += 1
        key = session.get_credentials().get_frozen_credentials().access_key
        if not keys or keys[-1] != key:
            keys.append(key)
    except Exception as error:
        fails += 1
        errors.append(type(error).__name__)
    if time.time() >= end:
        break
    time.sleep(0.1)
with open(os.environ["CHILD_OUT"], "w") as out:
    json.dump({"calls": calls, "fails": fails, "keys": keys, "arns": sorted(arns), "errors": errors[:5]}, out)
`;

/** The JavaScript SDK: an STSClient with no credentials given, GetCallerIdentity in a loop. */
export const NODE_LOOP = `
const { writeFileSync } = require("node:fs");
const { GetCallerIdentityCommand, STSClient } = require("@aws-sdk/client-sts");
(async () => {
  const client = new STSClient({});
  const end = Date.now() + Number(process.env.CHILD_SECONDS) * 1000;
  let calls = 0, fails = 0;
  const keys = [], arns = new Set(), errors = [];
  for (;;) {
    try {
      arns.add((await client.send(new GetCallerIdentityCommand({}))).Arn);
      calls++;
      const key = (await client.config.credentials()).accessKeyId;
      if (keys.at(-1) !== key) keys.push(key);
    } catch (error) {
      fails++;
      errors.push(error.name);
    }
    if (Date.now() >= end) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  client.destroy();
  writeFileSync(process.env.CHILD_OUT, JSON.stringify({ calls, fails, keys, arns: [...arns], errors: errors.slice(0, 5) }));
})();
`;

/**
 * From inside exec's child: what the endpoint answers without the token, with another, and with it,
 * and whether it can be reached on an address other than loopback.
 */
export const ENDPOINT_PROBE = `
const { connect } = require("node:net");
const { networkInterfaces } = require("node:os");
const { writeFileSync } = require("node:fs");
const url = process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
const token = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
const status = async (headers) => {
  const response = await fetch(url, { headers });
  const body = await response.text();
  return { status: response.status, body: response.status === 200 ? Object.keys(JSON.parse(body)).sort() : JSON.parse(body) };
};
const reach = (host, port) => new Promise((resolve) => {
  const socket = connect({ host, port });
  socket.on("connect", () => { socket.destroy(); resolve("connected"); });
  socket.on("error", (error) => resolve(error.code));
});
(async () => {
  const port = Number(new URL(url).port);
  const others = Object.values(networkInterfaces()).flat().filter((a) => !a.internal && a.family === "IPv4").map((a) => a.address);
  const result = {
    url, tokenBytes: Buffer.from(token, "base64url").length,
    none: await status({}),
    wrong: await status({ authorization: token.slice(0, -2) + "xy" }),
    right: await status({ authorization: token }),
    elsewhere: await Promise.all(["::1", ...others].map((host) => reach(host, port))),
  };
  writeFileSync(process.env.CHILD_OUT, JSON.stringify(result));
})();
`;

const inCi = process.env.CI === "true" || process.env.CI === "1";

/** Why the AWS CLI cannot be a child here, if it cannot (outside CI: the tests that need it skip). */
export const awsCliMissing = (): string | undefined => {
  const probe = spawnSync("aws", ["--version"], { encoding: "utf8" });
  if (probe.status === 0) return undefined;
  const reason = "the AWS CLI (aws) is not on the PATH; install it with `pip install awscli`";
  if (inCi) throw new Error(`CI requires the AWS CLI for the exec interop tests: ${reason}`);
  return reason;
};

/** Why botocore cannot be a child here, if it cannot. */
export const botocoreMissing = (): string | undefined => {
  const probe = spawnSync("python3", ["-c", "import botocore"], { stdio: "ignore" });
  if (probe.status === 0) return undefined;
  const reason = "python3 with botocore is not on the PATH (it comes with the AWS CLI and moto)";
  if (inCi) throw new Error(`CI requires botocore for the exec interop tests: ${reason}`);
  return reason;
};
