import { inspect } from "node:util";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import {
  CredentialRefreshError,
  fromFunction,
  InvalidOptionsError,
  refreshing,
  refreshingRole,
  session,
  whoami,
  type Credentials,
} from "../../src";
import { localSts, manualClock, type LocalSts, type ManualClock } from "../../src/testing";

const region = "us-east-1";
const roleArn = "arn:aws:iam::123456789012:role/Reader";

describe("whoami", () => {
  let clock: ManualClock;
  let sts: LocalSts;
  let root: STSClient;

  beforeEach(async () => {
    clock = manualClock();
    sts = await localSts({ clock });
    root = new STSClient({ region, endpoint: sts.endpoint, credentials: sts.rootCredentials });
  });
  afterEach(async () => {
    root.destroy();
    await sts.close();
  });

  /** Credentials for `role` from the local STS, as a custom source would fetch them. */
  const issue = async (role = "Worker"): Promise<Credentials> => {
    const { Credentials: issued } = await root.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::123456789012:role/${role}`, RoleSessionName: "custom" }),
    );
    return {
      accessKeyId: issued?.AccessKeyId ?? "",
      secretAccessKey: issued?.SecretAccessKey ?? "",
      sessionToken: issued?.SessionToken ?? "",
      expiration: issued?.Expiration ?? new Date(0),
    };
  };

  it("answers a role's identity from its AssumeRole answer, with no GetCallerIdentity call", async () => {
    const credentials = refreshingRole({
      roleArn,
      roleSessionName: "nightly-etl",
      region,
      clock,
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    const identity = await credentials.whoami();
    expect(identity).toEqual({
      arn: "arn:aws:sts::123456789012:assumed-role/Reader/nightly-etl",
      account: "123456789012",
      userId: "AROALOCAL:nightly-etl",
    });
    await credentials({ forceRefresh: true });
    expect(await credentials.whoami()).toEqual(identity);
    expect(sts.counts.AssumeRole).toBe(2);
    expect(sts.counts.GetCallerIdentity).toBe(0);
    credentials.dispose();
  });

  it("answers a role session's identity with no GetCallerIdentity call", async () => {
    const aws = session({
      region,
      roleArn,
      roleSessionName: "app",
      clock,
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    expect((await aws.whoami()).arn).toBe("arn:aws:sts::123456789012:assumed-role/Reader/app");
    expect((await aws.whoami({ endpoint: sts.endpoint })).arn).toBe(
      "arn:aws:sts::123456789012:assumed-role/Reader/app",
    );
    expect(sts.counts.GetCallerIdentity).toBe(0);
    aws.destroy();
  });

  it("calls GetCallerIdentity once per access key of a custom source, signed with that key", async () => {
    let current = await issue("Worker");
    const aws = session({ region, clock, source: fromFunction(() => current) });
    const config = { endpoint: sts.endpoint };
    const answers = await Promise.all([aws.whoami(config), aws.whoami(config), aws.whoami(config)]);
    await aws.whoami(config);
    expect(sts.counts.GetCallerIdentity).toBe(1);
    expect(answers[0]).toEqual({
      arn: "arn:aws:sts::123456789012:assumed-role/Worker/custom",
      account: "123456789012",
      userId: expect.stringMatching(/:custom$/),
    });
    expect(sts.requests.find((r) => r.action === "GetCallerIdentity")?.accessKeyId).toBe(current.accessKeyId);

    current = await issue("Auditor");
    await aws.credentials({ forceRefresh: true });
    expect((await aws.whoami(config)).arn).toBe("arn:aws:sts::123456789012:assumed-role/Auditor/custom");
    await aws.whoami(config);
    expect(sts.counts.GetCallerIdentity).toBe(2);
    aws.destroy();
  });

  it("works on any provider, static keys included", async () => {
    const provider = () => Promise.resolve(sts.rootCredentials);
    const options = { region, clientConfig: { endpoint: sts.endpoint } };
    expect(await whoami(provider, options)).toEqual({
      arn: "arn:aws:iam::123456789012:user/local-root",
      account: "123456789012",
      userId: "AIDALOCALSTSROOT",
    });
    await whoami(provider, options);
    expect(sts.counts.GetCallerIdentity).toBe(1);
  });

  it("does not remember a failure, and keeps secrets out of it", async () => {
    const credentials = await issue();
    const provider = refreshing(
      fromFunction(() => credentials),
      { clock },
    );
    sts.revoke(credentials.accessKeyId);
    const options = { region, clientConfig: { endpoint: sts.endpoint } };
    const error = await whoami(provider, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect((error as Error).message).toContain(`STS GetCallerIdentity for ${credentials.accessKeyId} failed`);
    expect(inspect(error, { depth: 5 })).not.toContain(credentials.secretAccessKey);
    expect(inspect(error, { depth: 5 })).not.toContain(credentials.sessionToken);
    await whoami(provider, options).catch(() => undefined);
    expect(sts.counts.GetCallerIdentity).toBe(2);
    provider.dispose();
  });

  it("checks its options", () => {
    const provider = () => Promise.resolve(sts.rootCredentials);
    expect(() => whoami("nope" as never)).toThrow(InvalidOptionsError);
    expect(() => whoami(provider, { region: "Not A Region" })).toThrow(/region/);
    expect(() => whoami(provider, { clientConfig: { credentials: sts.rootCredentials } as never })).toThrow(
      /clientConfig\.credentials: is not an option/,
    );
    expect(() => whoami(provider, { endpoint: "x" } as never)).toThrow(/endpoint/);
  });
});
