/**
 * The one way the review UI writes HTML: `html` is a tagged template that escapes every
 * interpolation, unless it is an `Html` fragment that `html` itself composed. Every page is built
 * with it, so log content and model answers can only ever reach the page as text.
 */

/** Held by this module only: no other code can make an `Html` from a string of its choosing. */
const composed = Symbol("composed by html");

/** HTML composed by `html`: trusted, inserted as it is. */
export class Html {
  constructor(
    key: typeof composed,
    readonly markup: string,
  ) {
    if (key !== composed) {
      throw new TypeError("an Html fragment is made by the html template only");
    }
  }

  toString(): string {
    return this.markup;
  }
}

/** What an interpolation may be: text (escaped), a number, nothing (empty), a fragment, or a list of them. */
export type HtmlValue = Html | string | number | null | undefined | readonly HtmlValue[];

const entities: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Bidirectional controls (embeddings, overrides, isolates, marks): passed through, or as character
 * references, they would still reorder the text around them, so a reviewer could read a response
 * other than the one given. They are shown as visible markers instead.
 */
const bidiControls = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** `text` safe as element content and as a double-quoted attribute value; bidi controls as `⟨U+202E⟩`. */
export function escapeText(text: string): string {
  return text
    .replace(/[&<>"']/g, (character) => entities[character] ?? character)
    .replace(bidiControls, (character) => `⟨U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}⟩`);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) {
    return value.markup;
  }
  if (value === null || value === undefined) {
    return "";
  }
  if (typeof value === "number") {
    return escapeText(String(value));
  }
  if (typeof value === "string") {
    return escapeText(value);
  }
  return value.map(render).join("");
}

/** HTML from a template: every `${value}` is escaped unless it is an `Html` fragment. Attributes must be double-quoted. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let markup = strings[0] ?? "";
  values.forEach((value, i) => {
    markup += render(value) + (strings[i + 1] ?? "");
  });
  return new Html(composed, markup);
}
