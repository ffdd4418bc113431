/**
 * Charts of the fleet and outage simulations, as SVG files under docs/: vega-lite specs built from the
 * raw results, rendered by vega's headless view (no browser, no canvas).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import type { FleetResult } from "./fleet";
import { EXPIRY_INTO_OUTAGE_MS, type OutageResult, type OutageVariant } from "./outage";

/** What the legends call each series. */
export const FLEET_SERIES = {
  jittered: "with jitter (the default)",
  unjittered: "without jitter",
} as const;

export const OUTAGE_SERIES: Readonly<Record<OutageVariant, string>> = {
  default: "default backoff",
  spec: "specification preset (300–600 s)",
  "v0.1.0": "v0.1.0 rules",
};

/** The outage's per-second counts swing widely from one second to the next; a 10 s mean shows the trend. */
export const OUTAGE_BIN_SECONDS = 10;

/** The bench's target for the fleet: no second with more than 2% of the fleet calling STS. */
const FLEET_TARGET_SHARE = 0.02;

// With the axes, about 800 px wide in all.
const PLOT_WIDTH = 700;
const PLOT_HEIGHT = 320;

const OUTAGE_COLORS: Readonly<Record<OutageVariant, string>> = {
  default: "#1f77b4",
  spec: "#2ca02c",
  "v0.1.0": "#d62728",
};

// Generic font names only: the SVG is rendered without a browser and read wherever the docs are.
const config = {
  font: "sans-serif",
  title: { fontSize: 15, subtitleFontSize: 12, subtitleColor: "#444", anchor: "start", offset: 12 },
  axis: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: "normal", gridColor: "#e6e6e6" },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 0, symbolStrokeWidth: 3 },
  view: { stroke: null },
} as const;

/**
 * A log scale for calls per second: the series differ by up to four orders of magnitude. Where a series
 * has seconds without calls (most minutes without jitter), symlog instead, which is logarithmic above 1
 * and linear below it, because a log scale cannot draw zero.
 */
const callsScale = (
  values: readonly number[],
): { scale: { type: "log" | "symlog"; domain: number[]; nice: false }; ticks: number[] } => {
  const top = Math.max(1, Math.ceil(Math.log10(Math.max(...values, 1))));
  const least = Math.min(...values);
  const powers = (from: number) => Array.from({ length: top - from + 1 }, (_, i) => 10 ** (from + i));
  if (least > 0) {
    const bottom = Math.min(Math.floor(Math.log10(least)), top - 1);
    return { scale: { type: "log", domain: [10 ** bottom, 10 ** top], nice: false }, ticks: powers(bottom) };
  }
  return { scale: { type: "symlog", domain: [0, 10 ** top], nice: false }, ticks: [0, ...powers(0)] };
};

const legend = { orient: "top", direction: "horizontal", columnPadding: 24 } as const;
const count = (n: number) => n.toLocaleString("en-US");

/** One layer of a layered chart. */
type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number];

/** A dashed line across the plot at `at` on one axis, with a short label at its end. */
const marker = (axis: "x" | "y", at: number, label: string): Layer => {
  const position = { field: "at", type: "quantitative" } as const;
  const rule: Layer = {
    mark: { type: "rule", strokeDash: [6, 4], color: "#555" },
    encoding: axis === "y" ? { y: position } : { x: position },
  };
  const text: Layer =
    axis === "y"
      ? {
          mark: { type: "text", align: "right", dy: -7, color: "#555", fontSize: 11 },
          encoding: { y: position, x: { value: { expr: "width" } }, text: { field: "label" } },
        }
      : {
          mark: { type: "text", align: "left", baseline: "top", dx: 4, dy: 4, color: "#555", fontSize: 11 },
          encoding: { x: position, y: { value: 0 }, text: { field: "label" } },
        };
  return { data: { values: [{ at, label }] }, layer: [rule, text] };
};

export const fleetChartSpec = (fleet: FleetResult): TopLevelSpec => {
  // Without jitter first, so that the line with jitter is drawn over it where both are at zero.
  const runs = ["unjittered", "jittered"] as const;
  const points = runs.map((run) =>
    fleet[run].peakPerSecondByMinute.map((calls, minute) => ({ minute, calls, series: FLEET_SERIES[run] })),
  );
  const target = fleet.processes * FLEET_TARGET_SHARE;
  const y = callsScale([...points.flat().map((p) => p.calls), target]);
  const minutes = Math.max(fleet.hours * 60, ...points.map((p) => p.length - 1));
  const line = (values: (typeof points)[number]): Layer => ({
    data: { values },
    // A minute's value holds for the whole minute.
    mark: { type: "line", strokeWidth: 1.5, interpolate: "step-after" },
    encoding: {
      x: {
        field: "minute",
        type: "quantitative",
        title: "time since the fleet started (minutes)",
        scale: { domain: [0, minutes], nice: false },
        axis: { values: Array.from({ length: Math.floor(minutes / 60) + 1 }, (_, i) => i * 60) },
      },
      y: {
        field: "calls",
        type: "quantitative",
        title: "STS calls in the minute's busiest second (log scale)",
        scale: y.scale,
        axis: { values: y.ticks, format: ",d" },
      },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: runs.map((run) => FLEET_SERIES[run]), range: ["#d62728", "#1f77b4"] },
        legend,
      },
    },
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `Fleet of ${count(fleet.processes)} processes, one-hour credentials: STS calls per second`,
      subtitle: [
        `The busiest second of each minute over ${fleet.hours} hours, the start-up second left out. ` +
          `Peak: ${count(fleet.jittered.peakPerSecond)} with jitter, ${count(fleet.unjittered.peakPerSecond)} without.`,
        `Dashed: the target, at most ${FLEET_TARGET_SHARE * 100}% of the fleet (${count(target)} calls) in any second.`,
      ],
    },
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    config,
    // The marker under the lines, and its label short: the spikes without jitter would cross a long one.
    layer: [marker("y", target, "target"), ...points.map(line)],
  };
};

export const outageChartSpec = (
  outages: readonly Pick<OutageResult, "variant" | "processes" | "callsPerSecond">[],
): TopLevelSpec => {
  const values = outages.flatMap((o) => {
    const bins = Math.ceil(o.callsPerSecond.length / OUTAGE_BIN_SECONDS);
    return Array.from({ length: bins }, (_, bin) => {
      const seconds = o.callsPerSecond.slice(bin * OUTAGE_BIN_SECONDS, (bin + 1) * OUTAGE_BIN_SECONDS);
      return {
        minute: (bin * OUTAGE_BIN_SECONDS) / 60,
        calls: seconds.reduce((sum, n) => sum + n, 0) / seconds.length,
        series: OUTAGE_SERIES[o.variant],
      };
    });
  });
  const minutes = Math.max(...outages.map((o) => o.callsPerSecond.length)) / 60;
  const expiry = EXPIRY_INTO_OUTAGE_MS / 60_000;
  const y = callsScale(values.map((v) => v.calls));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `STS outage of ${minutes} minutes, ${count(outages[0]?.processes ?? 0)} processes: STS calls per second`,
      subtitle: [
        `Mean over each ${OUTAGE_BIN_SECONDS} s while STS answers 503. The outage starts as the advisory ` +
          `window opens, ${expiry} minutes before the credentials expire.`,
      ],
    },
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    config,
    // The marker under the lines, which dip at that very moment; only where the outage lasts that long,
    // since outside the domain it would widen the chart.
    layer: [
      ...(expiry <= minutes ? [marker("x", expiry, "credentials expire")] : []),
      {
        data: { values },
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: {
          x: {
            field: "minute",
            type: "quantitative",
            title: "time since STS went down (minutes)",
            scale: { domain: [0, minutes], nice: false },
            axis: { values: Array.from({ length: Math.floor(minutes / 5) + 1 }, (_, i) => i * 5) },
          },
          y: {
            field: "calls",
            type: "quantitative",
            title: `STS calls per second (mean over ${OUTAGE_BIN_SECONDS} s, log scale)`,
            scale: y.scale,
            axis: { values: y.ticks, format: ",d" },
          },
          color: {
            field: "series",
            type: "nominal",
            title: null,
            scale: {
              domain: outages.map((o) => OUTAGE_SERIES[o.variant]),
              range: outages.map((o) => OUTAGE_COLORS[o.variant]),
            },
            legend,
          },
        },
      },
    ],
  };
};

interface TextItem {
  readonly fontSize?: number;
  readonly fontWeight?: string | number;
}

/**
 * Vega without a canvas (none here: it would be a native dependency) estimates every character at
 * 0.8 em, about half as wide again as sans-serif text is, and lays titles and legends out with that:
 * the charts would come out about 1,200 px wide, the right third blank, the legend entries far apart. Vega
 * takes a measure of the renderer's own (vl-convert supplies one the same way); this one uses Arial's
 * widths by kind of character, 5% over to leave room for wider sans-serif faces such as DejaVu Sans.
 */
export const sansSerifWidth = (item: TextItem, text: unknown): number => {
  const bold = item.fontWeight === "bold" || Number(item.fontWeight) >= 600;
  const em = (item.fontSize ?? 11) * (bold ? 1.08 : 1) * 1.05;
  let ems = 0;
  // Vega hands over a label or a line of a title: a string, or a number it has not formatted.
  for (const c of (typeof text === "number" ? String(text) : typeof text === "string" ? text : "").trim()) {
    if (/[ijlftI.,:;'|! ]/.test(c)) ems += 0.28;
    else if (/[r()[\]-]/.test(c)) ems += 0.34;
    else if (/[mwMW%—]/.test(c)) ems += 0.86;
    else if (/[A-Z]/.test(c)) ems += 0.68;
    else ems += 0.56;
  }
  return ems * em;
};

/** Compiles a vega-lite spec and renders it to SVG text. */
export const renderSvg = async (spec: TopLevelSpec): Promise<string> => {
  // Both packages are ES modules only; the bench runs as CommonJS under tsx, so they are imported
  // when a chart is drawn, which also keeps them out of anything that only builds specs.
  const [vegaLite, vega] = await Promise.all([import("vega-lite"), import("vega")]);
  // Exported by vega at run time but missing from its type declarations.
  const metrics = (vega as { textMetrics?: { width: (item: TextItem, text: unknown) => number } })
    .textMetrics;
  if (metrics === undefined) throw new Error("vega no longer exports textMetrics: see sansSerifWidth");
  metrics.width = sansSerifWidth;
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
};

/** What the charts are drawn from: the `raw` part of bench/results.json. */
export interface ChartData {
  readonly fleet: FleetResult;
  readonly outage: readonly OutageResult[];
}

/** Writes fleet.svg and outage.svg under `dir`; returns the paths written. */
export const writeCharts = async (raw: ChartData, dir: string): Promise<string[]> => {
  await mkdir(dir, { recursive: true });
  const charts = [
    { file: join(dir, "fleet.svg"), spec: fleetChartSpec(raw.fleet) },
    { file: join(dir, "outage.svg"), spec: outageChartSpec(raw.outage) },
  ];
  for (const { file, spec } of charts) await writeFile(file, `${await renderSvg(spec)}\n`);
  return charts.map(({ file }) => file);
};
