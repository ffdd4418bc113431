import { inspect } from "node:util";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  CredentialRefreshError,
  refreshingRole,
  session,
  type Credentials,
  type RetryEvent,
} from "../../src";
import { constantDelay, limitRetries, RetryPolicyMonoid } from "../../src/pipeline/retryPolicy";
import { freePort } from "../support/moto";
import { callerCredentials, describeWithMoto, motoEndpoint } from "../support/motoEnv";

const region = "us-east-1";
const roleArn = "arn:aws:iam::123456789012:role/integration-reader";

/** An STS client for moto that counts the AssumeRole calls it sends over HTTP. */
const countingStsClient = () => {
  const client = new STSClient({
    region,
    endpoint: motoEndpoint,
    credentials: callerCredentials,
    maxAttempts: 1,
  });
  const counts = { assumeRole: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === AssumeRoleCommand.name) counts.assumeRole++;
      return next(args);
    },
    { step: "finalizeRequest", name: "countAssumeRole" },
  );
  return { client, counts };
};

describeWithMoto("against moto's STS over real HTTP", () => {
  it("assumes the role, and a client signing with those credentials is the assumed role", async () => {
    const credentials = refreshingRole({
      roleArn,
      roleSessionName: "integration-session",
      region,
      clientConfig: { endpoint: motoEndpoint, credentials: callerCredentials },
    });
    const issued = await credentials();
    expect(issued.accessKeyId).toMatch(/^ASIA/);
    expect(issued.accountId).toBe("123456789012");
    expect(issued.expiration!.getTime()).toBeGreaterThan(Date.now());

    const asRole = new STSClient({ region, endpoint: motoEndpoint, credentials });
    const identity = await asRole.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(
      "arn:aws:sts::123456789012:assumed-role/integration-reader/integration-session",
    );
    expect(identity.Account).toBe("123456789012");
    asRole.destroy();
  });

  it("makes one AssumeRole call for several clients of one session and 50 concurrent requests", async () => {
    const sts = countingStsClient();
    const aws = session({ region, roleArn, roleSessionName: "shared", stsClient: sts.client });
    const clients = [
      aws.client(STSClient, { endpoint: motoEndpoint }),
      aws.client(STSClient, { endpoint: motoEndpoint, maxAttempts: 2 }),
      aws.client(STSClient, { endpoint: motoEndpoint, maxAttempts: 3 }),
    ];
    const identities = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        clients[i % clients.length]!.send(new GetCallerIdentityCommand({})),
      ),
    );
    expect(new Set(identities.map((identity) => identity.Arn))).toEqual(
      new Set(["arn:aws:sts::123456789012:assumed-role/integration-reader/shared"]),
    );
    expect(sts.counts.assumeRole).toBe(1);
    aws.destroy();
    sts.client.destroy();
  });

  it("keeps every secret out of inspect, JSON, errors and retry events", async () => {
    const outputs: string[] = [];
    const capture = (value: unknown) =>
      outputs.push(inspect(value, { depth: 10, showHidden: true }), JSON.stringify({ value }));

    const sts = countingStsClient();
    const aws = session({ region, roleArn, stsClient: sts.client });
    const issued: Credentials = await aws.credentials();
    capture(issued);
    capture(aws);
    capture(aws.credentials);

    // A failing refresh: STS on a port where nothing listens; retried, then a typed error.
    const closedPort = await freePort();
    const events: RetryEvent[] = [];
    const failing = refreshingRole({
      roleArn,
      region,
      clientConfig: { endpoint: `http://127.0.0.1:${closedPort}`, credentials: callerCredentials },
      retryPolicy: RetryPolicyMonoid.concat(constantDelay(0), limitRetries(2)),
      onRetry: (event) => events.push(event),
    });
    const error = await failing().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect(error).toMatchObject({ retryable: true, attempts: 3 });
    expect((error as CredentialRefreshError).cause).toMatchObject({ code: "ECONNREFUSED" });
    capture(error);
    capture((error as Error).message);
    capture((error as Error).stack);
    events.forEach(capture);

    const secrets = [issued.secretAccessKey, issued.sessionToken!, callerCredentials.secretAccessKey];
    for (const output of outputs) {
      for (const secret of secrets) expect(output).not.toContain(secret);
    }
    // The searches above could only fail if the secrets were ever somewhere to be found.
    expect(issued.secretAccessKey.length).toBeGreaterThan(10);
    expect(issued.sessionToken!.length).toBeGreaterThan(10);
    aws.destroy();
    sts.client.destroy();
  });

  it("drives S3 through a client from session(): create a bucket, put and get an object", async () => {
    const aws = session({
      region,
      roleArn,
      roleSessionName: "s3-writer",
      clientConfig: { endpoint: motoEndpoint, credentials: callerCredentials },
    });
    const s3 = aws.client(S3Client, { endpoint: motoEndpoint, forcePathStyle: true });
    const Bucket = `aws-refresh-session-${Date.now()}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: "hello.txt", Body: "refreshed hello" }));
    const object = await s3.send(new GetObjectCommand({ Bucket, Key: "hello.txt" }));
    expect(await object.Body?.transformToString()).toBe("refreshed hello");
    const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets.map((bucket) => bucket.Name)).toContain(Bucket);
    aws.destroy();
  });

  it("chains roles: a refreshingRole whose caller credentials are another refreshingRole", async () => {
    const first = refreshingRole({
      roleArn: "arn:aws:iam::123456789012:role/hop-one",
      roleSessionName: "hop-one",
      region,
      clientConfig: { endpoint: motoEndpoint, credentials: callerCredentials },
    });
    const second = refreshingRole({
      roleArn: "arn:aws:iam::123456789012:role/hop-two",
      roleSessionName: "hop-two",
      region,
      clientConfig: { endpoint: motoEndpoint, credentials: first },
    });
    const asFirst = new STSClient({ region, endpoint: motoEndpoint, credentials: first });
    const asSecond = new STSClient({ region, endpoint: motoEndpoint, credentials: second });
    expect((await asFirst.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      "arn:aws:sts::123456789012:assumed-role/hop-one/hop-one",
    );
    expect((await asSecond.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      "arn:aws:sts::123456789012:assumed-role/hop-two/hop-two",
    );
    asFirst.destroy();
    asSecond.destroy();
  });
});
