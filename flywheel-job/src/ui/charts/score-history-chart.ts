import { type Html, html } from "../html";
import { formatTime } from "../format";
import { at, chartFrame, legend, seriesClass, xOf, yOf } from "./chart-frame";

/** One candidate's score in one run. */
export interface HistoryPoint {
  readonly time: number;
  readonly score: number;
}

export interface HistorySeries {
  /** The candidate's model name. */
  readonly label: string;
  /** Oldest first. */
  readonly points: readonly HistoryPoint[];
}

export interface ScoreHistoryChart {
  readonly id: string;
  /** `similarity, base-eval`. */
  readonly title: string;
  readonly target?: number;
  readonly series: readonly HistorySeries[];
}

/** Each candidate's score over the workload's runs (time, right), one line per candidate, the target dashed. One run is one point in the middle. */
export function scoreHistoryChart(chart: ScoreHistoryChart): Html {
  const times = chart.series.flatMap((series) => series.points.map((point) => point.time));
  const min = Math.min(...times);
  const max = Math.max(...times);
  const day = (time: number): string => formatTime(new Date(time)).slice(0, 10);
  // The first and last dates sit at the plot's edges, so they are anchored inwards to stay inside it.
  const ticks =
    min === max
      ? [{ x: xOf(min, min, max), text: day(min) }]
      : [
          { x: xOf(min, min, max), text: day(min), anchor: "start" as const },
          { x: xOf(max, min, max), text: day(max), anchor: "end" as const },
        ];
  const plot = chart.series.map((series, i) => {
    const coordinates = series.points.map((point) => `${at(xOf(point.time, min, max))},${at(yOf(point.score))}`).join(" ");
    return html`<polyline class="line ${seriesClass(i)}" points="${coordinates}"></polyline>${series.points.map(
      (point) => html`<circle class="point ${seriesClass(i)}" cx="${at(xOf(point.time, min, max))}" cy="${at(yOf(point.score))}" r="4"><title>${series.label}: ${point.score.toFixed(3)} on ${formatTime(new Date(point.time))}</title></circle>`,
    )}`;
  });
  const runs = new Set(times).size;
  const label = `${chart.title}: ${chart.series.length} candidate${chart.series.length === 1 ? "" : "s"} over ${runs} run${runs === 1 ? "" : "s"}${chart.target === undefined ? ", no target" : `, target ${chart.target}`}`;
  return html`<figure class="chart">
<figcaption>${chart.title}</figcaption>
${chartFrame({
  id: chart.id,
  title: chart.title,
  label,
  xLabel: "run started",
  xTicks: ticks,
  targets: chart.target === undefined ? [] : [{ score: chart.target, text: `target ${chart.target}` }],
  plot: html`${plot}`,
})}
${legend(chart.series.map((series) => series.label), `Legend of ${chart.title}`)}
</figure>`;
}
