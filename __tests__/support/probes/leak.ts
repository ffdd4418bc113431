/**
 * Runs 100,000 refresh cycles (background refreshes replacing the credentials) under a manual clock,
 * with the benchmark's own measurement, and prints the heap before and after as JSON. Run with
 * --expose-gc so the figures are after a full collection.
 */
import { heapGrowthOverRefreshCycles } from "../../../bench/memory";

const CYCLES = Number(process.argv[2] ?? 100_000);

heapGrowthOverRefreshCycles(CYCLES)
  .then(({ refreshCycles, heapBefore, heapAfter }) => {
    console.log(JSON.stringify({ cycles: CYCLES, refreshes: refreshCycles, heapBefore, heapAfter }));
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
