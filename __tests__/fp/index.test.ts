import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import * as E from "fp-ts/Either";
import { pipe } from "fp-ts/function";
import * as TE from "fp-ts/TaskEither";
import {
  assumeRole,
  CredentialRefreshError,
  fromFunction,
  InvalidOptionsError,
  memoizeUntil,
  refreshAhead,
  refreshing,
  refreshingRole,
  retryWith,
  type MemoizedProvider,
  type RefreshingProvider,
} from "../../src";
import {
  fromProvider,
  keeping,
  RefreshingRoleOptionsCodec,
  toProvider,
  validate,
  type CredentialsTask,
  type MemoizedCredentialsTask,
  type RefreshingCredentialsTask,
} from "../../src/fp";
import { localSts, manualClock } from "../../src/testing";
import { fakeSts } from "../support/fakeSts";
import { credentialsAt, settle } from "../support/scripted";

const HOUR = 3_600_000;
const MINUTE = 60_000;
const roleArn = "arn:aws:iam::123456789012:role/fp";

/** The Right of an Either the test expects to be one. */
const right = <A>(either: E.Either<unknown, A>): A => {
  if (E.isLeft(either)) throw new Error(`expected a Right, got Left(${String(either.left)})`);
  return either.right;
};

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

  it("runs a pipeline built with the Promise API as a task, sharing its cache: 100 concurrent runs, one upstream call", async () => {
    const clock = manualClock();
    let calls = 0;
    const credentials: MemoizedCredentialsTask = fromProvider(
      pipe(
        fromFunction(async () => {
          calls++;
          await settle();
          return credentialsAt(clock, HOUR, calls);
        }),
        retryWith(undefined, { clock }),
        memoizeUntil({ clock, marginMs: 60_000 }),
      ),
    );
    const results = await Promise.all(Array.from({ length: 100 }, () => credentials()));
    expect(calls).toBe(1);
    expect(results.every(E.isRight)).toBe(true);
    // The task says it caches, and the provider behind it is the memoized one: SDK clients will not
    // wrap it again.
    expect(credentials.memoized).toBe(true);
    const provider: MemoizedProvider = toProvider(credentials);
    expect(provider.memoized).toBe(true);
  });

  it("runs the self-refreshing role over HTTP, and chains with TaskEither", async () => {
    const sts = await localSts();
    const credentials = fromProvider(
      refreshingRole({
        roleArn,
        roleSessionName: "fp",
        region: "us-east-1",
        clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
      }),
    );
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
    credentials.dispose();
    await sts.close();
  });

  describe("refreshing tasks keep the provider's members", () => {
    const role = (clock: ReturnType<typeof manualClock>) => {
      const sts = fakeSts(clock);
      const credentials: RefreshingCredentialsTask = fromProvider(
        refreshingRole({ roleArn, stsClient: sts.client, clock, durationSeconds: 3600, random: () => 0 }),
      );
      return { sts, credentials };
    };

    it("gives SDK clients a memoized provider, which they call per request instead of caching it again", async () => {
      // The manual clock runs years ahead of Date.now(): an SDK cache keyed on Date.now() would keep
      // the first credentials for years; ours replaces them when *our* clock opens the advisory window.
      const clock = manualClock(Date.UTC(2035, 0, 1));
      const { sts, credentials } = role(clock);
      const provider: RefreshingProvider = toProvider(credentials);
      expect(provider.memoized).toBe(true);
      expect(credentials.memoized).toBe(true);

      const client = new STSClient({ region: "us-east-1", credentials: provider });
      expect((await client.config.credentials()).accessKeyId).toBe("ASIAFAKE00000001");
      await clock.advance(45 * MINUTE); // the advisory window opens: a background refresh
      expect(sts.sent).toHaveLength(2);
      expect((await client.config.credentials()).accessKeyId).toBe("ASIAFAKE00000002");
      client.destroy();
      provider.dispose();
    });

    it("reaches the underlying provider with dispose(), from the task or from its provider", async () => {
      const stops: Array<(task: RefreshingCredentialsTask) => Promise<void>> = [
        (task) => {
          task.dispose();
          return Promise.resolve();
        },
        (task) => {
          toProvider(task).dispose();
          return Promise.resolve();
        },
        (task) => task[Symbol.asyncDispose](),
      ];
      for (const stop of stops) {
        const clock = manualClock();
        const { sts, credentials } = role(clock);
        expect(E.isRight(await credentials())).toBe(true);
        expect(credentials.status().refreshAt).toEqual(new Date(clock.now() + 45 * MINUTE));
        await stop(credentials);
        await clock.advance(45 * MINUTE);
        // Stopped: no background refresh in the advisory window (the next call still refreshes).
        expect(sts.sent).toHaveLength(1);
      }
    });

    it("reaches it with invalidate() and status() too", async () => {
      const clock = manualClock();
      const { sts, credentials } = role(clock);
      const first = right(await credentials());
      expect(credentials.status().phase).toBe("fresh");
      expect(toProvider(credentials).invalidate(first.accessKeyId)).toBe(true);
      expect(credentials.status().invalidated).toBe(true);
      expect(right(await credentials()).accessKeyId).toBe("ASIAFAKE00000002");
      expect(sts.sent).toHaveLength(2);
      credentials.dispose();
    });

    it("keeps them from refreshing() and refreshAhead() on any source", async () => {
      const clock = manualClock();
      let calls = 0;
      const source = fromFunction(() => {
        calls++;
        return credentialsAt(clock, HOUR, calls);
      });
      for (const credentials of [
        fromProvider(refreshing(source, { clock, random: () => 0 })),
        fromProvider(refreshAhead({ clock, random: () => 0 })(source)),
      ]) {
        calls = 0;
        await credentials();
        expect(credentials.memoized).toBe(true);
        expect(toProvider(credentials).memoized).toBe(true);
        credentials.dispose();
        await clock.advance(50 * MINUTE);
        expect(calls).toBe(1);
      }
    });

    it("keeps them through fp-ts combinators applied with keeping(), but not through a bare TE.map", async () => {
      const clock = manualClock(Date.UTC(2035, 0, 1));
      const { sts, credentials } = role(clock);
      let served = 0;
      const counted = pipe(
        credentials,
        keeping(
          TE.tapIO(() => () => {
            served++;
          }),
        ),
      );
      const provider: RefreshingProvider = toProvider(counted);
      expect(counted.memoized).toBe(true);
      expect(provider.memoized).toBe(true);
      const client = new STSClient({ region: "us-east-1", credentials: provider });
      await client.config.credentials();
      await client.config.credentials();
      expect(served).toBe(2); // called per request: the SDK did not wrap it
      expect(sts.sent).toHaveLength(1);
      provider.dispose(); // reaches the role's provider
      await clock.advance(45 * MINUTE);
      expect(sts.sent).toHaveLength(1);
      client.destroy();

      // A step that hands back the task it got leaves it as it is.
      expect(keeping((task) => task)(credentials)).toBe(credentials);

      // TE.map makes a task the library cannot vouch for: typed, and made, without the members.
      const mapped: CredentialsTask = pipe(
        credentials,
        TE.map((c) => c),
      );
      expect((toProvider(mapped) as { memoized?: boolean }).memoized).toBeUndefined();
      // @ts-expect-error a plain task has no dispose
      expect(mapped.dispose).toBeUndefined();
    });

    it("is typed without them when made from a provider that does not cache", () => {
      const clock = manualClock();
      const { credentials } = role(clock);
      const retried = fromProvider(retryWith()(toProvider(credentials)));
      // @ts-expect-error retryWith's provider does not cache: no memoized, no dispose
      expect(retried.memoized).toBeUndefined();
      credentials.dispose();
    });
  });

  it("gives failures as a Left", async () => {
    const clock = manualClock();
    const unreachable = fromProvider(
      refreshing(
        assumeRole({
          roleArn: "arn:aws:iam::123456789012:role/x",
          region: "us-east-1",
          clock,
          clientConfig: {
            endpoint: "http://127.0.0.1:9",
            credentials: { accessKeyId: "a", secretAccessKey: "b" },
          },
        }),
        { clock, retryPolicy: () => ({ _tag: "None" }) },
      ),
    );
    const result = await unreachable();
    expect(E.isLeft(result) && result.left.retryable).toBe(true);
    unreachable.dispose();
  });

  it("leaves bad options to the main entry, which throws at construction: E.tryCatch holds it as a Left", () => {
    const built = E.tryCatch(() => fromProvider(refreshingRole({ roleArn: "nope" })), E.toError);
    expect(E.isLeft(built) && built.left).toBeInstanceOf(InvalidOptionsError);
  });

  it("checks options with a codec as an Either with validate", () => {
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

  it("passes the SDK's signal and forceRefresh through a task kept with keeping()", async () => {
    const clock = manualClock();
    const seen: Array<{ signal?: AbortSignal | undefined; forceRefresh?: boolean | undefined } | undefined> =
      [];
    const cache = Object.assign(
      (options?: { signal?: AbortSignal; forceRefresh?: boolean }) => {
        seen.push(options);
        return Promise.resolve(credentialsAt(clock, 60 * 60_000));
      },
      { memoized: true as const },
    );
    const kept = keeping(TE.map((credentials) => credentials))(fromProvider(cache));
    const controller = new AbortController();
    await toProvider(kept)({ signal: controller.signal, forceRefresh: true });
    expect(seen[0]?.signal).toBe(controller.signal);
    expect(seen[0]?.forceRefresh).toBe(true);
  });

  it("keeping() never rewrites the members of a task its function hands back", () => {
    const clock = manualClock();
    const make = (name: string) =>
      fromProvider(
        Object.assign(() => Promise.resolve(credentialsAt(clock, 60 * 60_000)), {
          memoized: true as const,
          status: () => name,
        }),
      );
    const a = make("a");
    const b = make("b");
    const kept = keeping(() => b)(a);
    expect(kept).not.toBe(b);
    expect((b as unknown as { status: () => string }).status()).toBe("b");
    expect((kept as unknown as { status: () => string }).status()).toBe("a");
  });
});
