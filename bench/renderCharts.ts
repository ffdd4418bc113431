/**
 * npm run bench:charts: redraws docs/fleet.svg and docs/outage.svg from bench/results.json alone, so a
 * chart's look can change without re-running the 80-second bench.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeCharts, type ChartData } from "./charts";

async function main(): Promise<void> {
  const results = JSON.parse(await readFile(join(__dirname, "results.json"), "utf8")) as { raw: ChartData };
  const files = await writeCharts(results.raw, join(__dirname, "..", "docs"));
  console.log(`written: ${files.join(", ")}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
