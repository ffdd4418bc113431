import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import * as E from "fp-ts/Either";
import { pipe } from "fp-ts/function";
import * as TE from "fp-ts/TaskEither";
import { CredentialRefreshError, InvalidOptionsError } from "../../src";
import {
  assumeRole,
  fromFunction,
  fromProvider,
  memoizeUntil,
  refreshing,
  refreshingRole,
  retryWith,
  RefreshingRoleOptionsCodec,
  toProvider,
  validate,
  withExpiryBuffer,
} from "../../src/fp";
import { localSts, manualClock } from "../../src/testing";
import { credentialsAt, settle } from "../support/scripted";

const HOUR = 3_600_000;

describe("aws-refresh-session/fp", () => {
  it("crosses between providers and tasks without losing anything", async () => {
    const clock = manualClock();
    const provider = () => Promise.resolve(credentialsAt(clock, HOUR));
    const task = fromProvider(provider);
    expect(await task()).toEqual(E.right(credentialsAt(clock, HOUR)));
    expect(toProvider(task)).toBe(provider);
    const failing = fromProvider(() => Promise.reject(new Error("boom")));
    const result = await failing();
    expect(E.isLeft(result) && result.left).toBeInstanceOf(CredentialRefreshError);
    // Back to a provider: the very one it came from, which rejects as it always did.
    await expect(toProvider(failing)()).rejects.toThrow("boom");
    // A task of other origin: its Left becomes the rejection.
    const refused = new CredentialRefreshError("refused", { retryable: false });
    await expect(toProvider(TE.left(refused))()).rejects.toBe(refused);
    await expect(toProvider(TE.right(credentialsAt(clock, HOUR)))()).resolves.toMatchObject({
      accessKeyId: "ASIATEST00000001",
    });
  });

  it("composes with pipe, sharing the Promise API's cache: 100 concurrent runs, one upstream call", async () => {
    const clock = manualClock();
    let calls = 0;
    const credentials = pipe(
      fromFunction(async () => {
        calls++;
        await settle();
        return credentialsAt(clock, HOUR, calls);
      }),
      retryWith(undefined, { clock }),
      withExpiryBuffer(60_000),
      memoizeUntil({ clock }),
    );
    const results = await Promise.all(Array.from({ length: 100 }, () => credentials()));
    expect(calls).toBe(1);
    expect(results.every(E.isRight)).toBe(true);
    // The provider behind the task is the memoized one: SDK clients will not wrap it again.
    expect((toProvider(credentials) as { memoized?: boolean }).memoized).toBe(true);
  });

  it("runs the self-refreshing role over HTTP, and chains with TaskEither", async () => {
    const sts = await localSts();
    const credentials = refreshingRole({
      roleArn: "arn:aws:iam::123456789012:role/fp",
      roleSessionName: "fp",
      region: "us-east-1",
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    const keyId = await pipe(
      credentials,
      TE.map((c) => c.accessKeyId),
    )();
    expect(keyId).toEqual(E.right(sts.issued[0]?.accessKeyId));
    const client = new STSClient({
      region: "us-east-1",
      endpoint: sts.endpoint,
      credentials: toProvider(credentials),
    });
    expect((await client.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      "arn:aws:sts::123456789012:assumed-role/fp/fp",
    );
    expect(sts.counts.AssumeRole).toBe(1);
    client.destroy();
    await sts.close();
  });

  it("gives failures as a Left, and option problems as an Either with validate", async () => {
    const clock = manualClock();
    const unreachable = pipe(
      assumeRole({
        roleArn: "arn:aws:iam::123456789012:role/x",
        region: "us-east-1",
        clock,
        clientConfig: {
          endpoint: "http://127.0.0.1:9",
          credentials: { accessKeyId: "a", secretAccessKey: "b" },
        },
      }),
      refreshing({ clock, retryPolicy: () => ({ _tag: "None" }) }),
    );
    const result = await unreachable();
    expect(E.isLeft(result) && result.left.retryable).toBe(true);

    const checked = validate("refreshingRole", RefreshingRoleOptionsCodec)({ roleArn: "nope" });
    expect(E.isLeft(checked) && checked.left).toBeInstanceOf(InvalidOptionsError);
    expect(
      E.isRight(
        validate(
          "refreshingRole",
          RefreshingRoleOptionsCodec,
        )({ roleArn: "arn:aws:iam::123456789012:role/x" }),
      ),
    ).toBe(true);
  });
});
