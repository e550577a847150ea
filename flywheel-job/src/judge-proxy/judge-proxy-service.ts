/**
 * How the stack reaches the judge proxy (`flywheel judge-proxy`): the in-cluster endpoint that adds
 * the judge's API key to each request, so no Evaluator job body carries it.
 */
export const judgeProxyService = {
  /** Name of its Deployment and Service: a judge reached through it is a remote judge. */
  serviceName: "judge-proxy",
  /** Port the proxy listens on, in its pod and on its Service. */
  port: 8080,
  /** Value of the `app.kubernetes.io/component` label on the proxy's pods. */
  component: "judge-proxy",
  /** Path its probes ask: 200 while it serves. */
  healthPath: "/healthz",
  /** Path of the OpenAI-compatible API it serves, which clients' base URLs end in (`http://…:8080/v1`). */
  apiBasePath: "/v1",
  /**
   * How long the judge may take to answer one request before the proxy answers 504; a stopping proxy
   * lets the requests in flight finish, so its pod's grace period must be longer.
   */
  upstreamTimeoutSeconds: 120,
  /**
   * The job image's arguments that run the proxy: forward to the judge at `upstreamBaseUrl` (its
   * OpenAI-compatible base URL, e.g. `https://integrate.api.nvidia.com/v1`) with the key in `apiKeyFile`.
   */
  arguments(upstreamBaseUrl: string, apiKeyFile: string): string[] {
    return ["judge-proxy", "--upstream", upstreamBaseUrl, "--api-key-file", apiKeyFile];
  },
} as const;
