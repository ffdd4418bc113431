// Draws the bench's charts from the results in argv[2] into the folder argv[3], in a process of its
// own: vega is an ES module only, which jest's CommonJS runtime cannot import without a flag.
import { readFileSync } from "node:fs";
import { writeCharts, type ChartData } from "../../../bench/charts";

const [raw, dir] = process.argv.slice(2);
if (raw === undefined || dir === undefined) throw new Error("usage: renderCharts.ts <results.json> <dir>");
void writeCharts(JSON.parse(readFileSync(raw, "utf8")) as ChartData, dir).then((files) => {
  console.log(files.join("\n"));
});
