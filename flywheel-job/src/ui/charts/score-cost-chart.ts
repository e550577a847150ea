import { type Html, html } from "../html";
import { at, chartFrame, legend, seriesClass, xOf, yOf } from "./chart-frame";

/** One candidate × evaluation type of a run in one metric. */
export interface CostPoint {
  /** `model eval_type`, the name the point and its legend entry have. */
  readonly label: string;
  readonly cost: number;
  readonly score: number;
  /** Rank 1: the cheapest promotable one, the run's recommendation. */
  readonly best: boolean;
}

export interface ScoreCostChart {
  readonly id: string;
  readonly metric: string;
  /** `GPU cost per hour`, or `GPUs` when the run had no price. */
  readonly xLabel: string;
  readonly target?: number;
  readonly points: readonly CostPoint[];
}

/**
 * A run's candidates in one metric: score (0–1, up) against GPU cost (right), the metric's target as
 * a dashed line, the recommended one ringed. Cost starts at 0 so distances compare honestly.
 */
export function scoreCostChart(chart: ScoreCostChart): Html {
  const max = Math.max(1, ...chart.points.map((point) => point.cost)) * 1.1;
  const ticks = [0, max / 4, max / 2, (3 * max) / 4, max].map((value) => ({ x: xOf(value, 0, max), text: String(Number(value.toFixed(2))) }));
  const best = chart.points.find((point) => point.best);
  const plot = chart.points.map(
    (point, i) =>
      html`<circle class="point ${seriesClass(i)}${point.best ? " best" : ""}" cx="${at(xOf(point.cost, 0, max))}" cy="${at(yOf(point.score))}" r="${point.best ? 9 : 6}"><title>${point.label}: ${point.score.toFixed(3)} at ${String(point.cost)}${point.best ? " (recommended)" : ""}</title></circle>`,
  );
  const label = `${chart.metric} of ${chart.points.length} candidate × evaluation type${chart.points.length === 1 ? "" : "s"} against ${chart.xLabel}${
    chart.target === undefined ? ", no target" : `, target ${chart.target}`
  }${best === undefined ? ", none promotable" : `; recommended: ${best.label}`}`;
  return html`<figure class="chart">
<figcaption>${chart.metric} against ${chart.xLabel}</figcaption>
${chartFrame({
  id: chart.id,
  title: `${chart.metric} against ${chart.xLabel}`,
  label,
  xLabel: chart.xLabel,
  xTicks: ticks,
  targets: chart.target === undefined ? [] : [{ score: chart.target, text: `target ${chart.target}` }],
  plot: html`${plot}`,
})}
${legend(chart.points.map((point) => `${point.label}${point.best ? " (recommended)" : ""}`), `Legend of ${chart.metric}`)}
</figure>`;
}

