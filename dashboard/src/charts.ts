/**
 * Charts drawn by uPlot (a maintained canvas charting library). Every chart is an image with a
 * text label for assistive technology; the page puts the same numbers in a data table beside it.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** Colour-blind-safe palette (Okabe–Ito), each ≥ 3:1 against the white chart background. */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#7a6300", "#56B4E9", "#000000"];

export interface Series {
  label: string;
  values: (number | null)[];
  /** "count" on the left axis, "money" on the right. */
  scale: "count" | "money";
}

interface Mounted {
  plot: uPlot;
  observer: ResizeObserver;
}

const mounted = new WeakMap<HTMLElement, Mounted>();

function widthOf(el: HTMLElement): number {
  return Math.max(280, Math.floor(el.clientWidth || el.parentElement?.clientWidth || 640));
}

function mount(el: HTMLElement, opts: uPlot.Options, data: uPlot.AlignedData): void {
  destroyChart(el);
  el.replaceChildren();
  const plot = new uPlot(opts, data, el);
  const observer = new ResizeObserver(() => {
    const w = widthOf(el);
    if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: plot.height });
  });
  observer.observe(el);
  mounted.set(el, { plot, observer });
}

export function destroyChart(el: HTMLElement): void {
  const m = mounted.get(el);
  if (!m) return;
  m.observer.disconnect();
  m.plot.destroy();
  mounted.delete(el);
}

/** Lines over time: x are bucket starts (Unix seconds, UTC), shown in `timeZone`. */
export function timeSeries(
  el: HTMLElement,
  opts: { x: number[]; series: Series[]; timeZone?: string; currency?: string; bars?: boolean; height?: number },
): void {
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency: opts.currency || "USD", notation: "compact" });
  const compact = new Intl.NumberFormat("en-US", { notation: "compact" });
  const hasMoney = opts.series.some((s) => s.scale === "money");
  const tz = opts.timeZone;
  const config: uPlot.Options = {
    width: widthOf(el),
    height: opts.height ?? 280,
    tzDate: tz ? (ts) => uPlot.tzDate(new Date(ts * 1000), tz) : undefined,
    scales: {
      // One bucket alone: a day either side, instead of uPlot's auto range (which spans years).
      x: { time: true, ...(opts.x.length === 1 ? { range: (): uPlot.Range.MinMax => [opts.x[0]! - 86_400, opts.x[0]! + 86_400] } : {}) },
      count: { auto: true, range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      money: { auto: true, range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      { stroke: "#333" },
      { scale: "count", stroke: "#333", values: (_u, splits) => splits.map((v) => compact.format(v)) },
      ...(hasMoney
        ? [
            {
              scale: "money",
              side: 1 as const,
              stroke: "#333",
              grid: { show: false },
              values: (_u: uPlot, splits: number[]) => splits.map((v) => money.format(v)),
            },
          ]
        : []),
    ],
    series: [
      {},
      ...opts.series.map((s, i) => ({
        label: s.label,
        scale: s.scale,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        points: { show: opts.x.length <= 62 },
        value: (_u: uPlot, v: number | null) => (v === null ? "—" : s.scale === "money" ? money.format(v) : compact.format(v)),
        ...(opts.bars ? { paths: uPlot.paths.bars!({ size: [0.6, 64] }), fill: `${PALETTE[i % PALETTE.length]}cc` } : {}),
      })),
    ],
  };
  mount(el, config, [opts.x, ...opts.series.map((s) => s.values)] as uPlot.AlignedData);
}

/** Bars for categories (platforms, regions, sources): one metric per chart. */
export function categoryBars(el: HTMLElement, opts: { labels: string[]; series: Series; currency?: string; height?: number }): void {
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency: opts.currency || "USD", notation: "compact" });
  const compact = new Intl.NumberFormat("en-US", { notation: "compact" });
  const s = opts.series;
  const fmt = (v: number) => (s.scale === "money" ? money.format(v) : compact.format(v));
  const x = opts.labels.map((_, i) => i);
  const config: uPlot.Options = {
    width: widthOf(el),
    height: opts.height ?? 240,
    scales: { x: { time: false, range: () => [-0.5, Math.max(0.5, opts.labels.length - 0.5)] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      { stroke: "#333", splits: () => x, values: (_u, splits) => splits.map((v) => opts.labels[v] ?? ""), grid: { show: false } },
      { stroke: "#333", values: (_u, splits) => splits.map(fmt) },
    ],
    cursor: { points: { show: false } },
    series: [
      { value: (_u, v) => (v === null ? "" : (opts.labels[v] ?? "")) },
      {
        label: s.label,
        scale: "y",
        stroke: PALETTE[0],
        fill: `${PALETTE[0]}cc`,
        width: 1,
        points: { show: false },
        value: (_u: uPlot, v: number | null) => (v === null ? "—" : fmt(v)),
        paths: uPlot.paths.bars!({ size: [0.6, 80] }),
      },
    ],
  };
  mount(el, config, [x, s.values] as uPlot.AlignedData);
}
