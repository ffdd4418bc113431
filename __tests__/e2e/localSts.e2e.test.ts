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
    // Credentials live 3 s: the mandatory window 1.5 s before expiry (room for a request to arrive on a
    // busy machine), the advisory window 2.5 s before, so a background refresh every 0.5 to 1 s.
    sts = await localSts({ credentialLifetimeMs: 3_000 });
    const aws = session({
      region,
      roleArn,
      roleSessionName: "e2e-real-clock",
      mandatoryWindowMs: 1_500,
      advisoryWindowMs: 2_500,
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

    // At least 4 s, and on a busy machine until four sets of credentials have been used (at most 12 s):
    // the rules under test do not depend on how fast the machine is, the number of refreshes does.
    const started = Date.now();
    const running = () =>
      Date.now() - started < 4_000 || (new Set(signedWith).size < 4 && Date.now() - started < 12_000);
    let requests = 0;
    const failures: string[] = [];
    const worker = async (id: number) => {
      while (running()) {
        try {
          await clients[id % clients.length]!.send(new GetCallerIdentityCommand({}));
          requests++;
        } catch (error) {
          failures.push(`${(error as Error).name}: ${(error as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    await Promise.all(Array.from({ length: 50 }, (_, id) => worker(id)));
    aws.destroy();

    const keysUsed = new Set(signedWith);
    expect(failures).toEqual([]);
    expect(sts.rejections).toEqual({});
    expect(requests).toBeGreaterThan(500);
    expect(keysUsed.size).toBeGreaterThanOrEqual(4); // the first credentials and at least 3 refreshes
    // One STS call per set of credentials, however many clients and workers: every set issued was used,
    // but for the last when a refresh finished as the workers stopped.
    const issued = sts.issued.map((credentials) => credentials.accessKeyId);
    expect(sts.counts.AssumeRole).toBe(issued.length);
    expect([...keysUsed].every((key) => issued.includes(key))).toBe(true);
    expect(issued.slice(0, -1).every((key) => keysUsed.has(key))).toBe(true);
  }, 20_000);

  it("with a manual clock: three simulated hours, every 2 minutes 50 concurrent requests over 3 clients, no waiting", async () => {
    const clock = manualClock();
    sts = await localSts({ clock });
    const reasons: string[] = [];
    const aws = session({
      region,
      roleArn,
      roleSessionName: "e2e-manual-clock",
      durationSeconds: 900,
      clock,
      onEvent: (event) => {
        if (event.type === "refresh-start") reasons.push(event.reason);
      },
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    const clients = [0, 1, 2].map((i) =>
      aws.client(STSClient, { endpoint: sts!.endpoint, maxAttempts: i + 1 }),
    );
    const signedWith: string[] = [];
    clients.forEach((client) => {
      recordSignedKeys(client, signedWith);
    });

    const steps = 90;
    for (let step = 0; step < steps; step++) {
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => clients[i % 3]!.send(new GetCallerIdentityCommand({}))),
      );
      expect(results.filter((result) => result.status === "rejected")).toEqual([]);
      // No move after the last requests: a refresh then would go unused.
      if (step < steps - 1) await clock.advance(2 * 60_000);
    }
    aws.destroy();

    expect(sts.rejections).toEqual({});
    expect(sts.counts.GetCallerIdentity).toBe(steps * 50);
    // One STS call per set of credentials used, however many clients and requests.
    expect(sts.counts.AssumeRole).toBe(new Set(signedWith).size);
    // 900 s credentials get the 5-minute advisory window: replaced 600 to 720 s into their life, seen
    // in 2-minute steps: about 14 to 18 sets in three hours.
    expect(sts.counts.AssumeRole).toBeGreaterThanOrEqual(14);
    expect(sts.counts.AssumeRole).toBeLessThanOrEqual(18);
    // Only the first refresh made callers wait; every other one ran in the background.
    expect(reasons[0]).toBe("initial");
    expect(reasons.slice(1).every((reason) => reason === "advisory")).toBe(true);
  }, 60_000);

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
