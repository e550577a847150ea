/**
 * The review UI's URL layout: the templates the router matches and metrics label by, and the only
 * builders of the links the pages hold. A link is always one of these paths with its values
 * percent-encoded, so no text from a record ever chooses where a link goes.
 */
export const uiRoutes = {
  runs: "/",
  login: "/login",
  logout: "/logout",
  run: "/runs/{run_id}",
  samples: "/runs/{run_id}/samples",
  cancel: "/runs/{run_id}/cancel",
  workload: "/workloads/{workload_id}/{client_id}",
  style: "/ui/style.css",
  icon: "/ui/icon.svg",
} as const;

export type UiRoute = (typeof uiRoutes)[keyof typeof uiRoutes];

/** A UI path and the values of its `{…}` segments, decoded. */
export interface UiMatch {
  readonly route: UiRoute;
  readonly values: readonly string[];
}

const patterns = Object.values(uiRoutes).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\./g, "\\.").replace(/\{\w+\}/g, "([^/]+)")}$`),
}));

/** The UI route a path is, or undefined (also when a segment is not valid percent-encoding). */
export function matchUiRoute(path: string): UiMatch | undefined {
  for (const { template, pattern } of patterns) {
    const match = pattern.exec(path);
    if (match) {
      try {
        return { route: template, values: match.slice(1).map((segment) => decodeURIComponent(segment)) };
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function runPath(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}

/** The query parameter that turns a running run's reloading off (`live=off`). */
export const liveParameter = "live";

/** A run's page with live updates on (the default) or off. */
export function runPathWithLive(runId: string, on: boolean): string {
  return on ? runPath(runId) : `${runPath(runId)}?${liveParameter}=off`;
}

export function samplesPath(runId: string): string {
  return `${runPath(runId)}/samples`;
}

export function cancelPath(runId: string): string {
  return `${runPath(runId)}/cancel`;
}

export function workloadPath(workloadId: string, clientId: string): string {
  return `/workloads/${encodeURIComponent(workloadId)}/${encodeURIComponent(clientId)}`;
}

/** The runs list with its filters and page as query parameters (empty ones left out). */
export function runsPath(query: Readonly<Record<string, string | undefined>>): string {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") {
      parameters.set(key, value);
    }
  }
  const text = parameters.toString();
  return text === "" ? uiRoutes.runs : `${uiRoutes.runs}?${text}`;
}
