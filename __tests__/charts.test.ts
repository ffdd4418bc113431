import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import {
  FLEET_SERIES,
  OUTAGE_BIN_SECONDS,
  OUTAGE_SERIES,
  fleetChartSpec,
  outageChartSpec,
  sansSerifWidth,
  type ChartData,
} from "../bench/charts";
import type { FleetRun } from "../bench/fleet";
import type { OutageResult } from "../bench/outage";

const root = join(__dirname, "..");

interface Svg {
  readonly width: number;
  readonly height: number;
  /** Every <text>'s content, a title's lines (<tspan>s) joined by a space. */
  readonly texts: readonly string[];
}

type Node = Record<string, unknown>;

/** Parses SVG text with a real XML parser, after checking it is well-formed XML. */
const parseSvg = (xml: string): Svg => {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed: ${valid.err.msg} (line ${valid.err.line})`);
  const nodes = new XMLParser({ preserveOrder: true, ignoreAttributes: false, parseTagValue: false }).parse(
    xml,
  ) as Node[];
  const content = (children: unknown): string =>
    (children as Node[])
      .map((child) => (typeof child["#text"] === "string" ? child["#text"] : content(child.tspan ?? [])))
      .join(" ");
  const texts: string[] = [];
  const walk = (list: Node[]): void => {
    for (const node of list) {
      for (const [tag, children] of Object.entries(node)) {
        if (tag === "text") texts.push(content(children));
        else if (Array.isArray(children)) walk(children as Node[]);
      }
    }
  };
  walk(nodes);
  const svg = nodes.find((node) => "svg" in node);
  if (svg === undefined) throw new Error("no <svg> root");
  const attributes = svg[":@"] as Record<string, string>;
  return { width: Number(attributes["@_width"]), height: Number(attributes["@_height"]), texts };
};

const run = (peaks: number[], peak = Math.max(...peaks)): FleetRun => ({
  peakPerSecond: peak,
  peakShare: peak / 100,
  stsCalls: peaks.reduce((a, b) => a + b, 0),
  peakPerSecondByMinute: peaks,
});

/** A fleet of 100 over one hour: all at once at minute 45 without jitter, spread with it. */
const smallFleet: ChartData["fleet"] = {
  processes: 100,
  hours: 1,
  jittered: run(Array.from({ length: 60 }, (_, minute) => (minute >= 45 && minute < 53 ? 3 : 0))),
  unjittered: run(Array.from({ length: 60 }, (_, minute) => (minute === 45 ? 100 : 0))),
};

const outageOf = (variant: OutageResult["variant"], callsPerSecond: number[]): OutageResult => ({
  variant,
  processes: 100,
  callsPerSecond,
  peakPerSecond: Math.max(...callsPerSecond),
  meanPerSecond: callsPerSecond.reduce((a, b) => a + b, 0) / callsPerSecond.length,
  requests: 0,
  failedRequests: 0,
  recoverySeconds: { median: 0, p99: 0, max: 0 },
  unrecovered: 0,
});

/** 20 minutes of outage: 5 then 15 calls a second for the default, 4 for the spec, 80 for v0.1.0. */
const SECONDS = 20 * 60;
const smallOutage: ChartData["outage"] = [
  outageOf(
    "default",
    Array.from({ length: SECONDS }, (_, second) => (second % 2 === 0 ? 5 : 15)),
  ),
  outageOf("spec", new Array<number>(SECONDS).fill(4)),
  outageOf("v0.1.0", new Array<number>(SECONDS).fill(80)),
];

/** The layers of a layered spec, flattened, as plain JSON. */
const layers = (spec: unknown): Node[] => {
  const node = spec as Node;
  return Array.isArray(node.layer) ? [node, ...(node.layer as unknown[]).flatMap(layers)] : [node];
};
const encodings = (spec: unknown) =>
  layers(spec)
    .map((layer) => layer.encoding as Record<string, Node> | undefined)
    .filter((encoding) => encoding !== undefined);

describe("the bench's charts", () => {
  describe("spec builders", () => {
    it("the fleet chart: one series per run, labelled, the minute's peak as drawn, on a scale that can show zero", () => {
      const spec = fleetChartSpec(smallFleet);
      const lines = layers(spec).filter((layer) => (layer.mark as Node | undefined)?.type === "line");
      const values = lines.map((line) => (line.data as { values: Node[] }).values);
      expect(values.map((v) => v[45])).toEqual([
        { minute: 45, calls: 100, series: FLEET_SERIES.unjittered },
        { minute: 45, calls: 3, series: FLEET_SERIES.jittered },
      ]);
      const [encoding] = encodings(lines[0]);
      expect(encoding?.x?.title).toBe("time since the fleet started (minutes)");
      expect(encoding?.y?.title).toBe("STS calls in the minute's busiest second (log scale)");
      expect(encoding?.y?.scale).toEqual({ type: "symlog", domain: [0, 100], nice: false });
      expect((encoding?.color?.scale as Node).domain).toEqual([
        "without jitter",
        "with jitter (the default)",
      ]);
      expect(JSON.stringify(spec.title)).toContain("Peak: 3 with jitter, 100 without.");
    });

    it("the outage chart: one series per variant, labelled, as the mean of each bin, on a log scale", () => {
      const spec = outageChartSpec(smallOutage);
      const [line] = layers(spec).filter((layer) => (layer.mark as Node | undefined)?.type === "line");
      const values = (line?.data as { values: Array<{ minute: number; calls: number; series: string }> })
        .values;
      expect(values).toHaveLength(3 * (SECONDS / OUTAGE_BIN_SECONDS));
      expect(values.filter((v) => v.series === "default backoff").map((v) => v.calls)).toEqual(
        new Array<number>(SECONDS / OUTAGE_BIN_SECONDS).fill(10),
      );
      expect(values.filter((v) => v.series === "specification preset (300–600 s)")[11]).toEqual({
        minute: 110 / 60,
        calls: 4,
        series: OUTAGE_SERIES.spec,
      });
      const [encoding] = encodings(line);
      expect(encoding?.x?.title).toBe("time since STS went down (minutes)");
      expect(encoding?.y?.title).toBe(`STS calls per second (mean over ${OUTAGE_BIN_SECONDS} s, log scale)`);
      expect(encoding?.y?.scale).toEqual({ type: "log", domain: [1, 100], nice: false });
      expect((encoding?.color?.scale as Node).domain).toEqual([
        "default backoff",
        "specification preset (300–600 s)",
        "v0.1.0 rules",
      ]);
    });

    it("measures sans-serif text narrower than vega's estimate of 0.8 em a character", () => {
      const label = OUTAGE_SERIES.spec;
      const width = sansSerifWidth({ fontSize: 12 }, label);
      expect(width).toBeLessThan(0.8 * 12 * label.length);
      // Arial sets this label 174 px wide at 12 px.
      expect(width).toBeGreaterThan(174);
      expect(sansSerifWidth({ fontSize: 12, fontWeight: "bold" }, label)).toBeGreaterThan(width);
    });
  });

  describe("rendered, in a process of its own", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "charts-"));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("writes both charts as SVG, about 800 px wide, with their axes titled and series labelled", async () => {
      const raw = join(dir, "raw.json");
      await writeFile(raw, JSON.stringify({ fleet: smallFleet, outage: smallOutage }));
      await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", join(__dirname, "support", "probes", "renderCharts.ts"), raw, dir],
        { cwd: root, timeout: 60_000 },
      );
      const fleet = parseSvg(await readFile(join(dir, "fleet.svg"), "utf8"));
      expect(fleet.texts).toEqual(
        expect.arrayContaining([
          "time since the fleet started (minutes)",
          "STS calls in the minute's busiest second (log scale)",
          ...Object.values(FLEET_SERIES),
          "target",
        ]),
      );
      const outage = parseSvg(await readFile(join(dir, "outage.svg"), "utf8"));
      expect(outage.texts).toEqual(
        expect.arrayContaining([
          "time since STS went down (minutes)",
          "credentials expire",
          ...Object.values(OUTAGE_SERIES),
        ]),
      );
      for (const svg of [fleet, outage]) {
        expect(svg.width).toBeGreaterThan(700);
        expect(svg.width).toBeLessThan(900);
      }
    }, 60_000);
  });

  describe("committed under docs/, drawn from bench/results.json", () => {
    const results = async () =>
      (JSON.parse(await readFile(join(root, "bench", "results.json"), "utf8")) as { raw: ChartData }).raw;

    it("docs/fleet.svg: well-formed, axes titled, both runs labelled, the recorded peaks in its subtitle", async () => {
      const { fleet } = await results();
      const svg = parseSvg(await readFile(join(root, "docs", "fleet.svg"), "utf8"));
      expect(svg.texts).toEqual(
        expect.arrayContaining([
          "time since the fleet started (minutes)",
          "STS calls in the minute's busiest second (log scale)",
          FLEET_SERIES.jittered,
          FLEET_SERIES.unjittered,
        ]),
      );
      const peaks = `Peak: ${fleet.jittered.peakPerSecond.toLocaleString("en-US")} with jitter, ${fleet.unjittered.peakPerSecond.toLocaleString("en-US")} without.`;
      expect(svg.texts.some((text) => text.includes(peaks))).toBe(true);
      expect(Math.max(...fleet.jittered.peakPerSecondByMinute)).toBe(fleet.jittered.peakPerSecond);
      expect(Math.max(...fleet.unjittered.peakPerSecondByMinute)).toBe(fleet.unjittered.peakPerSecond);
    });

    it("docs/outage.svg: well-formed, axes titled, the three rule sets labelled", async () => {
      const { outage } = await results();
      const svg = parseSvg(await readFile(join(root, "docs", "outage.svg"), "utf8"));
      expect(svg.texts).toEqual(
        expect.arrayContaining([
          "time since STS went down (minutes)",
          `STS calls per second (mean over ${OUTAGE_BIN_SECONDS} s, log scale)`,
          ...outage.map((o) => OUTAGE_SERIES[o.variant]),
        ]),
      );
      expect(outage.map((o) => o.variant)).toEqual(["default", "spec", "v0.1.0"]);
    });
  });
});
