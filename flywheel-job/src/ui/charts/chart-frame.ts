import { type Html, html } from "../html";

/**
 * The frame the review UI's charts share: a fixed viewBox scaled by CSS, a 0–1 score axis with grid
 * lines, an x axis, a dashed target line, and the accessible name of the picture. The same data is
 * always in a table beside the chart, so the picture adds nothing a screen reader misses.
 */

export const chartSize = { width: 640, height: 320, left: 52, right: 20, top: 16, bottom: 56 } as const;

/** Series colours are classes of the stylesheet (`series-0` …): this many, then they repeat. */
export const seriesColours = 8;

export function seriesClass(index: number): string {
  return `series-${index % seriesColours}`;
}

/** Where a 0–1 score is drawn. */
export function yOf(score: number): number {
  const span = chartSize.height - chartSize.top - chartSize.bottom;
  return chartSize.top + span * (1 - Math.min(1, Math.max(0, score)));
}

/** Where a value of `[min, max]` is drawn across the plot (the middle when the range is one value). */
export function xOf(value: number, min: number, max: number): number {
  const span = chartSize.width - chartSize.left - chartSize.right;
  return max === min ? chartSize.left + span / 2 : chartSize.left + (span * (value - min)) / (max - min);
}

/** Two decimals at most, for coordinates. */
export function at(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export interface FrameOptions {
  /** Unique on the page: the ids of the title and description derive from it. */
  readonly id: string;
  readonly title: string;
  /** What the chart shows, in words, as its aria-label. */
  readonly label: string;
  readonly xLabel: string;
  /** Tick labels of the x axis and where they go. */
  readonly xTicks: readonly { readonly x: number; readonly text: string; readonly anchor?: "start" | "middle" | "end" }[];
  readonly targets: readonly { readonly score: number; readonly text: string }[];
  readonly plot: Html;
}

export function chartFrame(options: FrameOptions): Html {
  const { width, height, left, right, bottom } = chartSize;
  const baseline = height - bottom;
  const grid = [0, 0.25, 0.5, 0.75, 1].map(
    (score) => html`<line class="grid" x1="${left}" x2="${width - right}" y1="${at(yOf(score))}" y2="${at(yOf(score))}"></line><text x="${left - 8}" y="${at(yOf(score) + 4)}" text-anchor="end">${score.toFixed(2)}</text>`,
  );
  const ticks = options.xTicks.map(
    (tick) => html`<line class="axis" x1="${at(tick.x)}" x2="${at(tick.x)}" y1="${baseline}" y2="${baseline + 5}"></line><text x="${at(tick.x)}" y="${baseline + 20}" text-anchor="${tick.anchor ?? "middle"}">${tick.text}</text>`,
  );
  const targets = options.targets.map(
    (target) => html`<line class="target" x1="${left}" x2="${width - right}" y1="${at(yOf(target.score))}" y2="${at(yOf(target.score))}"></line><text x="${width - right}" y="${at(yOf(target.score) - 5)}" text-anchor="end">${target.text}</text>`,
  );
  return html`<svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${options.id}-title" aria-label="${options.label}" focusable="false">
<title id="${options.id}-title">${options.title}</title>
<desc>${options.label}</desc>
${grid}
<line class="axis" x1="${left}" x2="${left}" y1="${chartSize.top}" y2="${baseline}"></line>
<line class="axis" x1="${left}" x2="${width - right}" y1="${baseline}" y2="${baseline}"></line>
${ticks}
<text x="${(left + width - right) / 2}" y="${height - 8}" text-anchor="middle">${options.xLabel}</text>
<text x="14" y="${(chartSize.top + baseline) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(chartSize.top + baseline) / 2})">score</text>
${targets}
${options.plot}
</svg>`;
}

/** The legend of a chart's series: a swatch (hidden from assistive technology) and the series' name. */
export function legend(labels: readonly string[], name: string): Html {
  return html`<ul class="legend" aria-label="${name}">${labels.map(
    (label, i) => html`<li><svg viewBox="0 0 12 12" aria-hidden="true" focusable="false"><rect class="${seriesClass(i)}" width="12" height="12"></rect></svg> ${label}</li>`,
  )}</ul>`;
}
