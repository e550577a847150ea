import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import { alertRunbookAnchors, stackCertificates } from "../../constructs/monitoring";
import type { RenderedStack } from "../../render/render-stack";
import { externalMonitoringStack, externalReleaseLabel, externalRunbookBaseUrl } from "../support/external-monitoring-stack";
import { renderedStack } from "../support/rendered-stacks";

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

const ruleObjects = (stack: RenderedStack): KubernetesObject[] => stack.manifests.filter((m) => m.kind === "PrometheusRule" && m.metadata.name === "flywheel-alerts");
const rulesOf = (stack: RenderedStack): Rule[] => {
  const [object] = ruleObjects(stack);
  return ((object as unknown as { spec: { groups: { rules: Rule[] }[] } }).spec.groups).flatMap((g) => g.rules);
};
const exprOf = (stack: RenderedStack, alert: string): string => rulesOf(stack).find((r) => r.alert === alert)?.expr ?? "";

let dev: RenderedStack;
let prod: RenderedStack;
let local: RenderedStack;
let external: RenderedStack;

beforeAll(async () => {
  // One after another: a render in this worker holds Pulumi's global runtime.
  dev = await renderedStack("dev");
  prod = await renderedStack("prod");
  local = await renderedStack("local");
  // Shared: no shipped stack uses an existing Prometheus Operator.
  external = await externalMonitoringStack();
});

describe("the flywheel's alerts in the stacks", () => {
  // Dev's credentials come from Pulumi config: nothing syncs there, so it alone has no secret-sync
  // alert (its stores are backed up like prod's: it has the backup alert).
  test.each([
    ["dev", ["FlywheelSecretSyncFailing"]],
    ["prod", []],
  ] as const)("%s: one rule in monitoring, labelled for the stack's own Prometheus, with every alert it can raise", (name, absent: readonly string[]) => {
    const stack = name === "dev" ? dev : prod;
    expect(ruleObjects(stack).map((r) => r.metadata)).toEqual([{ name: "flywheel-alerts", namespace: "monitoring", labels: { release: "kube-prometheus-stack" } }]);
    expect([...new Set(rulesOf(stack).map((r) => r.alert))].sort()).toEqual(Object.keys(alertRunbookAnchors).filter((alert) => !absent.includes(alert)).sort());
  });

  test("local, with monitoring off, has none", () => {
    expect(local.manifests.filter((m) => m.kind === "PrometheusRule")).toEqual([]);
  });

  test("waits for prometheus-operator's CRDs", () => {
    const alerts = dev.resources.find((r) => r.type === "kubernetes:yaml/v2:ConfigGroup" && r.parent === "data-flywheel:platform:PlatformAlerts::platform-alerts");
    expect(alerts?.options?.dependsOn).toEqual(expect.arrayContaining(["data-flywheel:kubernetes:OperatorCrds::platform-monitoring-crds"]));
  });

  test("without a schedule's maxRunHours, a candidate NIM leaks after the default 12 hours", () => {
    expect(exprOf(prod, "FlywheelCandidateNimLeaked")).toContain("> 43200");
  });

  test.each(["dev", "prod"] as const)("%s: renders each certificate's validityEndTime into its own expiry rule, the CA's ten years included", (name) => {
    const stack = name === "dev" ? dev : prod;
    // The render's mocked certificates start on 2026-01-01 and last the requested validity: two
    // years for the server certificates, ten (3650 days) for the CA.
    const twoYears = Date.UTC(2028, 0, 1) / 1000;
    const expiring = Object.fromEntries(rulesOf(stack).filter((r) => r.alert === "FlywheelCertificateExpiring").map((r) => [r.labels.certificate, r.expr]));
    expect(Object.keys(expiring).sort()).toEqual(Object.keys(stackCertificates).sort());
    expect(expiring.ca).toContain(`vector(${Date.UTC(2026, 0, 1) / 1000 + 3650 * 86_400})`);
    expect(expiring.elasticsearch).toContain(`vector(${twoYears})`);
    expect(expiring.redis).toContain(`vector(${twoYears})`);
    expect(expiring.mongodb).toContain(`vector(${twoYears})`);
  });

  test("with an external Prometheus: in flywheel, labelled with its release, the config's thresholds, maxRunHours and README address", () => {
    expect(ruleObjects(external).map((r) => r.metadata)).toEqual([{ name: "flywheel-alerts", namespace: "flywheel", labels: { release: externalReleaseLabel } }]);
    expect(exprOf(external, "FlywheelNimErrorRateHigh")).toMatch(/> 0\.2$/);
    expect(exprOf(external, "FlywheelGpuNodeIdle")).toMatch(/< 10$/);
    expect(exprOf(external, "FlywheelNimTimeToFirstTokenHigh")).toMatch(/> 10$/);
    expect(exprOf(external, "FlywheelCandidateNimLeaked")).toContain("> 10800");
    expect(rulesOf(external).find((r) => r.alert === "FlywheelApiDown")?.annotations.runbook_url).toBe(`${externalRunbookBaseUrl}#flywheelapidown`);
  });
});
