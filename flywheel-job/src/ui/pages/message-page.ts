import { type Html, html } from "../html";
import { layout, type Viewer } from "../layout";
import { uiRoutes } from "../ui-paths";

/** A page that only says something: not found, refused, or a request the UI cannot answer. */
export function messagePage(title: string, text: string, viewer?: Viewer): Html {
  return layout({ title, viewer }, html`<p>${text}</p><p><a href="${uiRoutes.runs}">All runs</a></p>`);
}
