/**
 * The review UI's only stylesheet, served at `/ui/style.css`. A module rather than a `.css` file
 * because the job image ships the compiled `dist/` only. Charts are coloured by class (`series-N`),
 * never by inline styles, which the Content-Security-Policy forbids.
 */
export const stylesheet = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; --good: #1a7f37; --bad: #b42318; --paper: #ffffff; --shade: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--paper); }
header.site, footer.site { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: center; padding: 0.75rem 1rem; background: var(--shade); border-bottom: 1px solid var(--line); }
footer.site { border-top: 1px solid var(--line); border-bottom: 0; color: var(--muted); font-size: 0.875rem; }
header.site nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
header.site form { margin-left: auto; }
main { padding: 1rem; max-width: 80rem; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.75rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 0.5rem; overflow-wrap: anywhere; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible, [tabindex]:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.table-wrap { overflow-x: auto; max-width: 100%; }
.table-wrap:focus-visible { outline: 3px solid var(--accent); }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; overflow-wrap: break-word; max-width: 28rem; }
thead th { background: var(--shade); }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.note, .missing { color: var(--muted); }
.missing::before { content: "⚠ "; }
.error { color: var(--bad); overflow-wrap: anywhere; }
.met { color: var(--good); }
.unmet { color: var(--bad); }
.status { font-weight: 600; }
.recommended { background: #e6f4ea; }
form.filters { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: flex-end; margin-bottom: 1rem; }
form.filters label, form.login label { display: flex; flex-direction: column; font-size: 0.875rem; }
input, select, button { font: inherit; padding: 0.35rem 0.5rem; border: 1px solid var(--muted); border-radius: 4px; background: var(--paper); color: var(--ink); }
button { background: var(--accent); color: #ffffff; border-color: var(--accent); cursor: pointer; }
button.danger { background: var(--bad); border-color: var(--bad); }
form.login { display: flex; flex-direction: column; gap: 0.75rem; max-width: 24rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0 0 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
figure.chart { margin: 1rem 0; max-width: 40rem; }
figure.chart > svg { width: 100%; height: auto; display: block; }
figure.chart figcaption { font-weight: 600; }
svg .axis, svg .grid { stroke: var(--muted); stroke-width: 1; }
svg .grid { stroke: var(--line); }
svg .target { stroke: var(--bad); stroke-width: 1.5; stroke-dasharray: 6 4; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
svg .point { stroke: #ffffff; stroke-width: 1; }
svg .best { stroke: var(--ink); stroke-width: 3; }
svg .line { fill: none; stroke-width: 2; }
.series-0 { fill: #0b5cad; stroke: #0b5cad; } .series-1 { fill: #c4420c; stroke: #c4420c; } .series-2 { fill: #1a7f37; stroke: #1a7f37; } .series-3 { fill: #8250df; stroke: #8250df; }
.series-4 { fill: #9a6700; stroke: #9a6700; } .series-5 { fill: #bf3989; stroke: #bf3989; } .series-6 { fill: #0e7c86; stroke: #0e7c86; } .series-7 { fill: #57606a; stroke: #57606a; }
svg .line.series-0, svg .line.series-1, svg .line.series-2, svg .line.series-3, svg .line.series-4, svg .line.series-5, svg .line.series-6, svg .line.series-7 { fill: none; }
.legend { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; padding: 0; margin: 0.25rem 0; font-size: 0.875rem; }
figure.chart .legend svg { width: 12px; height: 12px; display: inline-block; vertical-align: middle; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
article.sample { border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem; margin: 1rem 0; }
article.sample h4 { margin: 0 0 0.5rem; }
pre.text { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--shade); padding: 0.5rem; margin: 0.25rem 0; border-radius: 4px; font-size: 0.85rem; }
ol.conversation { padding-left: 1.25rem; }
.progress { font-variant-numeric: tabular-nums; }
@media (max-width: 40rem) {
  .side-by-side { grid-template-columns: 1fr; }
  dl.facts { grid-template-columns: 1fr; }
  header.site form { margin-left: 0; }
  main { padding: 0.75rem; }
}
`;
