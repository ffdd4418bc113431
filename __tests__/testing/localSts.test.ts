import { spawn } from "node:child_process";
import { join } from "node:path";
import { inspect } from "node:util";
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type STSClientConfig,
} from "@aws-sdk/client-sts";
import type { FinalizeRequestMiddleware } from "@smithy/types";
import { localSts, manualClock, type LocalSts } from "../../src/testing";

const region = "us-east-1";
const roleArn = "arn:aws:iam::123456789012:role/Tester";

describe("localSts", () => {
  let sts: LocalSts;
  const clients: STSClient[] = [];
  const client = (config: STSClientConfig = {}) => {
    const made = new STSClient({
      region,
      endpoint: sts.endpoint,
      credentials: sts.rootCredentials,
      maxAttempts: 1,
      ...config,
    });
    clients.push(made);
    return made;
  };
  const assume = (config?: STSClientConfig) =>
    client(config).send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "unit", DurationSeconds: 900 }),
    );

  afterEach(async () => {
    for (const made of clients.splice(0)) made.destroy();
    await sts.close();
  });

  it("issues credentials a real STS client accepts, and knows who uses them", async () => {
    sts = await localSts();
    const issued = await assume();
    expect(issued.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(issued.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/Tester/unit");
    expect(sts.issued).toHaveLength(1);
    expect(sts.issued[0]?.accessKeyId).toBe(issued.Credentials?.AccessKeyId);

    const asRole = client({
      credentials: {
        accessKeyId: issued.Credentials!.AccessKeyId!,
        secretAccessKey: issued.Credentials!.SecretAccessKey!,
        sessionToken: issued.Credentials!.SessionToken!,
      },
    });
    await expect(asRole.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Arn: "arn:aws:sts::123456789012:assumed-role/Tester/unit",
      Account: "123456789012",
    });
    const root = await client().send(new GetCallerIdentityCommand({}));
    expect(root.Arn).toBe("arn:aws:iam::123456789012:user/local-root");
    expect(sts.counts).toEqual({ AssumeRole: 1, AssumeRoleWithWebIdentity: 0, GetCallerIdentity: 2 });
  });

  it("mints expirations from its clock, and answers ExpiredToken once they pass", async () => {
    const clock = manualClock(Date.UTC(2031, 5, 1));
    sts = await localSts({ clock });
    const issued = await assume();
    expect(issued.Credentials?.Expiration).toEqual(new Date(clock.now() + 900_000));
    const asRole = client({
      credentials: {
        accessKeyId: issued.Credentials!.AccessKeyId!,
        secretAccessKey: issued.Credentials!.SecretAccessKey!,
        sessionToken: issued.Credentials!.SessionToken!,
      },
    });
    await clock.advance(900_000 - 1);
    await expect(asRole.send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
    await clock.advance(1);
    await expect(asRole.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: "ExpiredToken",
    });
    expect(sts.rejections).toEqual({ ExpiredToken: 1 });
  });

  it("rejects every request signed with a revoked key, as AWS rejects a session it no longer accepts", async () => {
    sts = await localSts();
    const first = await assume();
    const second = await assume();
    const as = (issued: typeof first) =>
      client({
        credentials: {
          accessKeyId: issued.Credentials!.AccessKeyId!,
          secretAccessKey: issued.Credentials!.SecretAccessKey!,
          sessionToken: issued.Credentials!.SessionToken!,
        },
      });
    const revokedClient = as(first);
    await expect(revokedClient.send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();

    sts.revoke(first.Credentials!.AccessKeyId!);
    expect([...sts.revoked]).toEqual([first.Credentials!.AccessKeyId]);
    for (const send of [
      () => revokedClient.send(new GetCallerIdentityCommand({})),
      () => revokedClient.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "chained" })),
    ]) {
      await expect(send()).rejects.toMatchObject({
        name: "InvalidClientTokenId",
        $metadata: { httpStatusCode: 403 },
      });
    }
    // Another session of the same role is untouched.
    await expect(as(second).send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
    expect(sts.rejections).toEqual({ InvalidClientTokenId: 2 });
    expect(
      sts.requests.filter((r) => r.outcome === "InvalidClientTokenId").map((r) => r.accessKeyId),
    ).toEqual([first.Credentials!.AccessKeyId, first.Credentials!.AccessKeyId]);
  });

  it.each([
    [
      "an unknown access key",
      { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" },
      "InvalidClientTokenId",
    ],
    [
      "a wrong secret",
      { accessKeyId: "AKIALOCALSTSROOT0001", secretAccessKey: "wrong" },
      "SignatureDoesNotMatch",
    ],
    [
      "a session token it never issued",
      { accessKeyId: "AKIALOCALSTSROOT0001", secretAccessKey: "x", sessionToken: "forged" },
      "InvalidClientTokenId",
    ],
  ])("rejects a request signed with %s", async (_label, credentials, code) => {
    sts = await localSts();
    await expect(client({ credentials }).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: code,
    });
    expect(sts.rejections[code]).toBe(1);
  });

  it("checks the signature over the body, not just the key", async () => {
    sts = await localSts();
    const tampering = client();
    const tamper: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => (args) => {
      const request = args.request as { body: string };
      request.body = request.body.replace("RoleSessionName=unit", "RoleSessionName=evil");
      return next(args);
    };
    tampering.middlewareStack.addRelativeTo(tamper, {
      relation: "after",
      toMiddleware: "httpSigningMiddleware",
      name: "tamperAfterSigning",
    });
    await expect(
      tampering.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "unit" })),
    ).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
  });

  it("answers AssumeRoleWithWebIdentity for a token it accepts, and rejects others", async () => {
    sts = await localSts({ verifyWebIdentityToken: (token) => token === "good-token" });
    const anonymous = client({ credentials: { accessKeyId: "", secretAccessKey: "" } });
    const ok = await anonymous.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: roleArn,
        RoleSessionName: "pod",
        WebIdentityToken: "good-token",
      }),
    );
    expect(ok.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/Tester/pod");
    await expect(
      anonymous.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleArn,
          RoleSessionName: "pod",
          WebIdentityToken: "bad",
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidIdentityTokenException" });
    expect(sts.requests.map((r) => r.params.WebIdentityToken)).toEqual(["<10 characters>", "<3 characters>"]);
  });

  it("validates what AWS validates", async () => {
    sts = await localSts();
    await expect(
      client().send(new AssumeRoleCommand({ RoleArn: "not-an-arn", RoleSessionName: "unit" })),
    ).rejects.toMatchObject({ name: "ValidationError" });
  });

  describe("faults", () => {
    it.each([
      [{ kind: "throttle" } as const, { name: "Throttling", $metadata: { httpStatusCode: 400 } }],
      [
        { kind: "server-error", status: 500 } as const,
        { name: "InternalFailure", $metadata: { httpStatusCode: 500 } },
      ],
      [
        { kind: "server-error", status: 503 } as const,
        { name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } },
      ],
      [{ kind: "reset" } as const, { code: "ECONNRESET" }],
    ])("%j fails one call, then the next one succeeds", async (fault, expected) => {
      sts = await localSts();
      sts.inject(fault);
      await expect(assume()).rejects.toMatchObject(expected);
      await expect(assume()).resolves.toMatchObject({ Credentials: expect.any(Object) });
      expect(sts.issued).toHaveLength(1);
    });

    it("answers malformed XML, a response without credentials, or credentials already expired", async () => {
      const clock = manualClock();
      sts = await localSts({ clock });
      sts.inject({ kind: "malformed" });
      sts.inject({ kind: "no-credentials" });
      sts.inject({ kind: "expired" });
      await expect(assume()).rejects.toBeDefined();
      expect((await assume()).Credentials).toBeUndefined();
      expect((await assume()).Credentials?.Expiration?.getTime()).toBeLessThan(clock.now());
      expect(sts.requests.map((r) => r.outcome)).toEqual([
        "fault:malformed",
        "fault:no-credentials",
        "fault:expired",
      ]);
    });

    it("holds a response for `latency` on its clock", async () => {
      const clock = manualClock();
      sts = await localSts({ clock });
      sts.inject({ kind: "latency", ms: 5_000 });
      let answered = false;
      const call = assume().then(() => (answered = true));
      for (let i = 0; i < 20 && clock.pendingSleeps === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(clock.pendingSleeps).toBe(1);
      await clock.advance(4_999);
      expect(answered).toBe(false);
      await clock.advance(1);
      await call;
      expect(answered).toBe(true);
    });

    it("hangs until the caller gives up, and close() still frees the port", async () => {
      sts = await localSts();
      sts.inject({ kind: "hang" });
      const controller = new AbortController();
      const call = client().send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "unit" }), {
        abortSignal: controller.signal,
      });
      for (let i = 0; i < 50 && sts.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(sts.requests.at(-1)?.outcome).toBe("fault:hang");
      controller.abort();
      await expect(call).rejects.toMatchObject({ name: "AbortError" });
    });

    it("scripts an outage by count and by action, and its end", async () => {
      sts = await localSts();
      sts.inject({ kind: "throttle" }, { times: Infinity, action: "AssumeRole" });
      await expect(assume()).rejects.toMatchObject({ name: "Throttling" });
      await expect(assume()).rejects.toMatchObject({ name: "Throttling" });
      await expect(client().send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
      sts.clearFaults();
      await expect(assume()).resolves.toBeDefined();
      expect(sts.rejections).toEqual({ Throttling: 2 });
    });
  });

  it("rejects bad options at construction, without echoing a secret", async () => {
    await expect(localSts({ accountId: "123", port: 70_000 })).rejects.toThrow(
      /accountId: a 12-digit[\s\S]*port: an integer from 0 to 65535/,
    );
    const error = await localSts({
      rootCredentials: { accessKeyId: "nope", secretAccessKey: "hush-hush" },
    }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/rootCredentials.accessKeyId: an access key id starting AKIA/);
    expect(String(error)).not.toContain("hush-hush");
    sts = await localSts();
  });

  it("frees its port on close()", async () => {
    sts = await localSts();
    const { endpoint } = sts;
    await sts.close();
    await expect(fetch(endpoint, { method: "POST" })).rejects.toThrow();
  });

  it("never shows a secret it issued or holds in inspect or JSON", async () => {
    sts = await localSts();
    const issued = await assume();
    const shown = [inspect(sts, { depth: 10 }), JSON.stringify(sts)].join("\n");
    expect(shown).toContain(issued.Credentials!.AccessKeyId!);
    expect(shown).not.toContain(issued.Credentials!.SecretAccessKey!);
    expect(shown).not.toContain(issued.Credentials!.SessionToken!);
    expect(shown).not.toContain(sts.rootCredentials.secretAccessKey);
  });
  it("lets a script that never calls close() exit once its work is done", async () => {
    // The server's end of a kept-alive connection used to hold the process for the 5 s keep-alive
    // timeout; a second is far more than exiting needs and far less than that timeout.
    sts = await localSts();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(__dirname, "..", "support", "probes", "localStsUnclosed.ts")],
      {
        cwd: join(__dirname, "..", ".."),
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const usedAt = new Promise<number>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("used")) resolve(performance.now());
      });
    });
    const [exitAt, code] = await new Promise<[number, number | null]>((resolve) => {
      child.on("exit", (exitCode) => {
        resolve([performance.now(), exitCode]);
      });
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(exitAt - (await usedAt)).toBeLessThan(1_000);
  }, 30_000);
});
