import type { STSClient } from "@aws-sdk/client-sts";
import type { FinalizeRequestMiddleware } from "@smithy/types";

/** Median, min and max of a list of numbers. */
export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export const stats = (values: readonly number[]): Stats => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN };
};

/** The p-th percentile (0-100) of a list, nearest rank. */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

/** An AssumeRole response, as the STS client resolves it, for in-memory benchmarks. */
export const stubSts = (now: () => number, lifetimeMs = 3_600_000, onSend?: () => Promise<void>) => {
  let sends = 0;
  const client = {
    send: async () => {
      sends++;
      await onSend?.();
      return {
        Credentials: {
          AccessKeyId: `ASIABENCH${sends}`,
          SecretAccessKey: "bench-secret",
          SessionToken: "bench-token",
          Expiration: new Date(now() + lifetimeMs),
        },
        AssumedRoleUser: {
          Arn: "arn:aws:sts::123456789012:assumed-role/bench/bench",
          AssumedRoleId: "AROA:bench",
        },
      };
    },
  };
  return {
    client: client as unknown as STSClient,
    get sends() {
      return sends;
    },
  };
};

type Middleware = FinalizeRequestMiddleware<object, object>;

/** Notes, for each request a client sends, which access key signed it (read after signing). */
export const recordSigningKeys = (client: STSClient, keys: string[]): void => {
  const after: Middleware = (next) => (args) => {
    const authorization = String((args.request as { headers: Record<string, string> }).headers.authorization);
    keys.push(/Credential=([^/]+)\//.exec(authorization)?.[1] ?? "unsigned");
    return next(args);
  };
  const stack = client.middlewareStack as unknown as {
    addRelativeTo(m: Middleware, o: { relation: "after"; toMiddleware: string; name: string }): void;
  };
  stack.addRelativeTo(after, {
    relation: "after",
    toMiddleware: "httpSigningMiddleware",
    name: "benchSigningKey",
  });
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Nanoseconds per awaited call of each contender, one sample per round (tinybench's p50 over batches
 * of `batch` calls), the contenders run in a rotated order each round so that none always runs first
 * on a warm or cold machine.
 */
export const nsPerAwaitedCall = async <Name extends string>(
  contenders: ReadonlyArray<readonly [Name, () => Promise<unknown>]>,
  rounds: number,
  batch: number,
): Promise<Record<Name, number[]>> => {
  const { Bench } = await import("tinybench");
  const samples = Object.fromEntries(contenders.map(([name]) => [name, [] as number[]])) as Record<
    Name,
    number[]
  >;
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time: 250, warmupTime: 50 });
    for (let i = 0; i < contenders.length; i++) {
      const [name, provider] = contenders[(i + round) % contenders.length] as readonly [
        Name,
        () => Promise<unknown>,
      ];
      bench.add(name, async () => {
        for (let call = 0; call < batch; call++) await provider();
      });
    }
    await bench.run();
    for (const task of bench.tasks) {
      const p50 = (task.result as { latency?: { p50?: number } } | undefined)?.latency?.p50;
      if (p50 !== undefined) samples[task.name as Name].push((p50 * 1e6) / batch);
    }
  }
  return samples;
};
