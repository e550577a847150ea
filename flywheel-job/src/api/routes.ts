import { flywheelApiService } from "./flywheel-api-service";

/** The paths the service answers, as OpenAPI templates: the server matches them, metrics label by them, the document lists them. */
export const apiRoutes = {
  jobs: "/api/jobs",
  job: "/api/jobs/{job_id}",
  cancel: "/api/jobs/{job_id}/cancel",
  iclExamples: "/api/jobs/{job_id}/icl-examples",
  workloads: "/api/workloads",
  openApi: "/api/openapi.json",
  health: flywheelApiService.healthPath,
  ready: flywheelApiService.readinessPath,
  metrics: flywheelApiService.metricsPath,
} as const;

export type ApiRoute = (typeof apiRoutes)[keyof typeof apiRoutes];

/** Whether a path is the API's: only bearer tokens authorize it, never the review UI's cookie. */
export function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}

/** Label of a request whose path is none of the routes. */
export const unmatchedRoute = "unmatched";

const templates: readonly ApiRoute[] = Object.values(apiRoutes);
const patterns = templates.map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\./g, "\\.").replace(/\{(\w+)\}/g, "([^/]+)")}$`) }));

/** The route a path is, and the value of its `{job_id}`, if any. */
export function matchRoute(path: string): { readonly route: ApiRoute; readonly id?: string } | undefined {
  for (const { template, pattern } of patterns) {
    const match = pattern.exec(path);
    if (match) {
      return { route: template, id: match[1] };
    }
  }
  return undefined;
}
