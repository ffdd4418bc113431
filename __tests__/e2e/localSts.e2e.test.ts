import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { session } from "../../src";
import { localSts, manualClock, type LocalSts } from "../../src/testing";
import { recordSignedKeys } from "../support/signedKeys";

const region = "us-east-1";
const roleArn = "arn:aws:iam::123456789012:role/e2e-worker";

/**
 * End to end over real HTTP: clients built by one session() sign requests that the local STS verifies
 * (signature and expiry), while credentials refresh underneath them.
 */
describe("session() against the local STS, end to end", () => {
  let sts: LocalSts | undefined;
  afterEach(async () => {
    await sts?.close();
  });

  it("with a real clock: 50 concurrent workers over several refresh cycles, none rejected, one STS call per refresh", async () => {
    // Credentials live 1.2 s and count as expired 0.4 s early: a refresh every 0.8 s.
    sts = await localSts({ credentialLifetimeMs: 1_200 });
    const aws = session({
      region,
      roleArn,
      roleSessionName: "e2e-real-clock",
      expiryBufferMs: 400,
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    const clients = [
      aws.client(STSClient, { endpoint: sts.endpoint }),
      aws.client(STSClient, { endpoint: sts.endpoint, maxAttempts: 1 }),
      aws.client(STSClient, { endpoint: sts.endpoint, maxAttempts: 2 }),
    ];
    const signedWith: string[] = [];
    clients.forEach((client) => {
      recordSignedKeys(client, signedWith);
    });

    const runUntil = Date.now() + 3_500;
    let requests = 0;
    let failures = 0;
    const worker = async (id: number) => {
      while (Date.now() < runUntil) {
        try {
          await clients[id % clients.length]!.send(new GetCallerIdentityCommand({}));
          requests++;
        } catch {
          failures++;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    await Promise.all(Array.from({ length: 50 }, (_, id) => worker(id)));
    aws.destroy();

    const keysUsed = new Set(signedWith);
    expect(failures).toBe(0);
    expect(sts.rejections).toEqual({});
    expect(requests).toBeGreaterThan(500);
    expect(keysUsed.size).toBeGreaterThanOrEqual(4); // the first credentials and at least 3 refreshes
    // Exactly one STS call per set of credentials in use, however many clients and workers.
    expect(sts.counts.AssumeRole).toBe(keysUsed.size);
    expect(sts.issued.map((issued) => issued.accessKeyId).sort()).toEqual([...keysUsed].sort());
  }, 20_000);

  it("with a manual clock: the same, cycle by cycle, with no waiting", async () => {
    const clock = manualClock();
    sts = await localSts({ clock });
    const aws = session({
      region,
      roleArn,
      roleSessionName: "e2e-manual-clock",
      durationSeconds: 900,
      clock,
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    const clients = [0, 1, 2].map((i) =>
      aws.client(STSClient, { endpoint: sts!.endpoint, maxAttempts: i + 1 }),
    );
    const signedWith: string[] = [];
    clients.forEach((client) => {
      recordSignedKeys(client, signedWith);
    });

    const cycles = 5;
    for (let cycle = 0; cycle < cycles; cycle++) {
      // 50 concurrent requests at the start of the cycle, and 50 just before its credentials expire.
      for (const offset of [0, 10 * 60_000 - 1]) {
        await clock.advanceTo(Date.UTC(2030, 0, 1) + cycle * 10 * 60_000 + offset);
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) => clients[i % 3]!.send(new GetCallerIdentityCommand({}))),
        );
        expect(results.filter((result) => result.status === "rejected")).toEqual([]);
      }
    }
    aws.destroy();

    // 900 s credentials with the default 5-minute buffer: one refresh every 10 minutes.
    expect(sts.rejections).toEqual({});
    expect(sts.counts.AssumeRole).toBe(cycles);
    expect(new Set(signedWith).size).toBe(cycles);
    expect(sts.counts.GetCallerIdentity).toBe(cycles * 100);
  });

  it("chains roles: a refreshingRole whose caller is another, each hop signing as the one before", async () => {
    sts = await localSts();
    const first = session({
      region,
      roleArn: "arn:aws:iam::123456789012:role/hop-one",
      roleSessionName: "one",
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    const second = session({
      region,
      roleArn: "arn:aws:iam::123456789012:role/hop-two",
      roleSessionName: "two",
      clientConfig: { endpoint: sts.endpoint, credentials: first.credentials },
    });
    const identity = await second
      .client(STSClient, { endpoint: sts.endpoint })
      .send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe("arn:aws:sts::123456789012:assumed-role/hop-two/two");
    const [hopOne, hopTwo] = sts.requests.filter((request) => request.action === "AssumeRole");
    expect(hopOne?.accessKeyId).toBe(sts.rootCredentials.accessKeyId);
    expect(hopTwo?.accessKeyId).toBe(sts.issued[0]?.accessKeyId);
    first.destroy();
    second.destroy();
  });
});
