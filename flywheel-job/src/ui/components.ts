import { type Html, html, type HtmlValue } from "./html";

/** A table with its caption and column headers; wide tables scroll inside a focusable region of the same name. */
export function dataTable(caption: string, head: readonly string[], rows: readonly (readonly HtmlValue[])[], numeric: readonly number[] = []): Html {
  return html`<div class="table-wrap" role="region" aria-label="${caption}" tabindex="0"><table>
<caption>${caption}</caption>
<thead><tr>${head.map((name) => html`<th scope="col">${name}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${row.map((cell, i) => (numeric.includes(i) ? html`<td class="number">${cell}</td>` : html`<td>${cell}</td>`))}</tr>`)}</tbody>
</table></div>`;
}

/** What a half-written record lacks, said on the page instead of failing it. */
export function missing(text: string): Html {
  return html`<p class="missing">${text}</p>`;
}

export function note(text: HtmlValue): Html {
  return html`<p class="note">${text}</p>`;
}

/** Facts as a description list. */
export function facts(pairs: readonly (readonly [string, HtmlValue])[]): Html {
  return html`<dl class="facts">${pairs.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>`;
}

/** A section of a page with a heading that names it (a landmark with an accessible name). */
export function section(id: string, heading: string, content: HtmlValue): Html {
  return html`<section aria-labelledby="${id}"><h2 id="${id}">${heading}</h2>${content}</section>`;
}
