import type { Role } from "../api/bearer-auth";
import { type Html, html } from "./html";
import { uiRoutes } from "./ui-paths";

/** Who is looking, for the header: their role and the form token their logout form carries. */
export interface Viewer {
  readonly role: Role;
  readonly formToken: string;
}

export interface PageOptions {
  /** The page's title, also its `<h1>`. */
  readonly title: string;
  /** Absent on the login page. */
  readonly viewer?: Viewer;
  /** Seconds after which the browser reloads the page: only a running run's pages refresh. */
  readonly refreshSeconds?: number;
}

/** The document every page is: language, title, the stylesheet, a header with navigation, a main landmark. */
export function layout(options: PageOptions, content: Html): Html {
  const { viewer } = options;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds === undefined ? "" : html`<meta http-equiv="refresh" content="${options.refreshSeconds}">`}
<title>${options.title} · Flywheel review</title>
<link rel="stylesheet" href="${uiRoutes.style}">
<link rel="icon" href="${uiRoutes.icon}" type="image/svg+xml">
</head>
<body>
<header class="site">
<strong>Flywheel review</strong>
${
  viewer === undefined
    ? ""
    : html`<nav aria-label="Main"><ul><li><a href="${uiRoutes.runs}">Runs</a></li></ul></nav>
<form method="post" action="${uiRoutes.logout}"><input type="hidden" name="csrf" value="${viewer.formToken}"><span class="note">${viewer.role === "operator" ? "operator" : "read-only"} session</span> <button type="submit">Log out</button></form>`
}
</header>
<main id="main">
<h1>${options.title}</h1>
${content}
</main>
<footer class="site"><p>Scores are on a 0–1 scale. Times are UTC.</p></footer>
</body>
</html>
`;
}
