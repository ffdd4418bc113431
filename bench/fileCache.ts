/**
 * 7. File cache: STS calls per refresh cycle for 8 worker processes (a Node cluster's workers) that
 * refresh the same role together, each with its own provider, against the local STS over real HTTP:
 * with the shared fileCache (withCache) and without it. The workers are real processes; each cycle
 * starts in all of them at once. Cycles are an hour apart in simulated time (on the STS's clock and on
 * the cache's), so each one finds the previous cycle's credentials expired.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../src";
import { localSts } from "../src/testing";

const WORKERS = 8;
const CYCLES = 5;
const HOUR = 3_600_000;

export interface FileCacheResult {
  readonly workers: number;
  readonly cycles: number;
  readonly stsCallsPerCycle: { readonly withCache: number; readonly without: number };
  readonly perCycle: { readonly withCache: readonly number[]; readonly without: readonly number[] };
  /** Distinct access keys the workers held in each cycle with the cache: 1 means they all shared one. */
  readonly keysPerCycleWithCache: readonly number[];
}

interface Reply {
  readonly ready?: boolean;
  readonly accessKeyId?: string;
  readonly error?: string;
}

const nextReply = (worker: ChildProcess): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const onExit = (code: number | null) => {
      reject(new Error(`a benchmark worker exited (${code})`));
    };
    worker.once("exit", onExit);
    worker.once("message", (reply: Reply) => {
      worker.off("exit", onExit);
      if (reply.error !== undefined) reject(new Error(reply.error));
      else resolve(reply);
    });
  });

export const fileCacheBench = async (): Promise<FileCacheResult> => {
  // Cycle n runs n hours ahead of real time, on the STS (which mints expirations) as in the workers.
  let cycleNow = 0;
  const sts = await localSts({
    clock: {
      now: () => systemClock.now() + cycleNow * HOUR,
      sleep: (ms, signal, options) => systemClock.sleep(ms, signal, options),
    },
  });
  const directory = mkdtempSync(join(tmpdir(), "bench-file-cache-"));
  const workers = Array.from({ length: WORKERS }, () =>
    fork(join(__dirname, "fileCacheWorker.ts"), [], { execArgv: ["--import", "tsx"] }),
  );
  try {
    const ready = workers.map(nextReply);
    for (const worker of workers) {
      worker.send({ start: { endpoint: sts.endpoint, ...sts.rootCredentials, directory } });
    }
    await Promise.all(ready);
    const runCycles = async (cached: boolean) => {
      const calls: number[] = [];
      const keys: number[] = [];
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        cycleNow = cycle;
        const before = sts.counts.AssumeRole;
        const replies = workers.map(nextReply);
        for (const worker of workers) worker.send({ cycle: { cycle, cached } });
        const answers = await Promise.all(replies);
        calls.push(sts.counts.AssumeRole - before);
        keys.push(new Set(answers.map((answer) => answer.accessKeyId)).size);
      }
      return { calls, keys };
    };
    const without = await runCycles(false);
    const withCache = await runCycles(true);
    const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    return {
      workers: WORKERS,
      cycles: CYCLES,
      stsCallsPerCycle: { withCache: mean(withCache.calls), without: mean(without.calls) },
      perCycle: { withCache: withCache.calls, without: without.calls },
      keysPerCycleWithCache: withCache.keys,
    };
  } finally {
    for (const worker of workers) worker.kill();
    await sts.close();
    rmSync(directory, { recursive: true, force: true });
  }
};
