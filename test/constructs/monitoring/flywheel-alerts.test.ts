import type { Chart } from "cdk8s";
import { alertRunbookAnchors, FlywheelAlerts, stackCertificates, type FlywheelAlertsProps } from "../../../constructs/monitoring";
import { only, synth } from "../data/support";
import { alertProps } from "./flywheel-alerts-props";

interface RenderedRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

function render(overrides: Partial<FlywheelAlertsProps> = {}) {
  return only(synth((chart: Chart) => { new FlywheelAlerts(chart, "alerts", { ...alertProps, ...overrides }); }), "PrometheusRule");
}

function rules(overrides: Partial<FlywheelAlertsProps> = {}): RenderedRule[] {
  const spec = render(overrides).spec as { groups: { rules: RenderedRule[] }[] };
  return spec.groups.flatMap((g) => g.rules);
}

function rule(name: string, overrides: Partial<FlywheelAlertsProps> = {}): RenderedRule {
  const found = rules(overrides).find((r) => r.alert === name);
  if (!found) {
    throw new Error(`no alert ${name}`);
  }
  return found;
}

describe("FlywheelAlerts", () => {
  test("is one PrometheusRule carrying the labels its Prometheus selects rules by", () => {
    expect(render().metadata).toEqual({ name: "flywheel-alerts", namespace: "monitoring", labels: { release: "kube-prometheus-stack" } });
  });

  test("every alert has a for, a severity, a summary, a description and a runbook_url at its README anchor", () => {
    const rendered = rules();
    expect([...new Set(rendered.map((r) => r.alert))].sort()).toEqual(Object.keys(alertRunbookAnchors).sort());
    for (const r of rendered) {
      expect(r.for).toMatch(/^\d+[mh]$/);
      expect(["critical", "warning"]).toContain(r.labels.severity);
      expect(r.annotations.summary).not.toBe("");
      expect(r.annotations.description).not.toBe("");
      expect(r.annotations.runbook_url).toBe(`https://example.test/data-flywheel/README.md#${alertRunbookAnchors[r.alert as keyof typeof alertRunbookAnchors]}`);
    }
  });

  test("uses no regex matcher, whose '.' Prometheus 3 matches differently from 2.x", () => {
    for (const r of rules()) {
      expect(r.expr).not.toMatch(/=~|!~/);
    }
  });

  test("renders the thresholds it is given", () => {
    const overrides = { maxRunHours: 6, nimErrorRatio: 0.2, nimTimeToFirstTokenSeconds: 3, elasticsearchDiskWatermark: 0.9, gpuIdleUtilisationPercent: 10 };
    expect(rule("FlywheelCandidateNimLeaked", overrides).expr).toContain("> 21600");
    expect(rule("FlywheelCandidateNimLeaked", overrides).expr).toContain('label_app_kubernetes_io_component="candidate-nim"');
    expect(rule("FlywheelNimErrorRateHigh", overrides).expr).toMatch(/> 0\.2$/);
    expect(rule("FlywheelNimTimeToFirstTokenHigh", overrides).expr).toMatch(/> 3$/);
    expect(rule("FlywheelElasticsearchDiskOverWatermark", overrides).expr).toMatch(/> 0\.9$/);
    expect(rule("FlywheelGpuNodeIdle", overrides).expr).toMatch(/< 10$/);
  });

  test("has one expiry rule per certificate, told apart by its certificate label, each with the time it was given", () => {
    const certificateNotAfterSeconds = { ca: 2_000_000_000, elasticsearch: 1_900_000_000, redis: 1_900_000_100, mongodb: 1_900_000_200 };
    const expiring = rules({ certificateNotAfterSeconds }).filter((r) => r.alert === "FlywheelCertificateExpiring");
    expect(expiring.map((r) => r.labels)).toEqual(Object.keys(stackCertificates).map((certificate) => ({ severity: "warning", certificate })));
    for (const r of expiring) {
      const certificate = r.labels.certificate as keyof typeof certificateNotAfterSeconds;
      expect(r.expr).toBe(`vector(${certificateNotAfterSeconds[certificate]}) - vector(time()) < 2592000`);
      expect(r.annotations.description).toContain(stackCertificates[certificate].title);
    }
  });

  test("says in the CA's alert that no pulumi up renews it, and in the others that one does", () => {
    const description = (certificate: string) => rules().find((r) => r.alert === "FlywheelCertificateExpiring" && r.labels.certificate === certificate)?.annotations.description;
    expect(description("ca")).toMatch(/^The stack's CA certificate expires in .*: no pulumi up renews it/);
    expect(description("mongodb")).toMatch(/: pulumi up issues a new one\.$/);
  });

  test("watches the Flywheel API by the job label its ServiceMonitor gives it: the Service's name", () => {
    expect(rule("FlywheelApiDown", { apiServiceName: "api", flywheelNamespace: "fw" }).expr).toContain('up{job="api", namespace="fw"}');
  });

  test("has no Flywheel API alert when the stack deploys no API, which would otherwise fire for ever", () => {
    expect(rules({ apiServiceName: undefined }).map((r) => r.alert)).not.toContain("FlywheelApiDown");
  });

  test("watches every namespace's ExternalSecrets by their Ready condition, and the operator's scrape, when credentials sync", () => {
    const sync = rules().filter((r) => r.alert === "FlywheelSecretSyncFailing");
    expect(sync.map((r) => r.labels.reason)).toEqual(["sync", "operator-down"]);
    expect(sync[0].expr).toBe(
      'externalsecret_status_condition{namespace="nemo", condition="Ready", status="False"} == 1 or externalsecret_status_condition{namespace="flywheel", condition="Ready", status="False"} == 1',
    );
    expect(sync[1].expr).toBe('max by (namespace) (up{namespace="external-secrets"}) == 0 or absent(up{namespace="external-secrets"})');
  });

  test("has no secret-sync alert when the credentials come from Pulumi config: nothing syncs, the operator's absence would fire for ever", () => {
    expect(rules({ secretSync: undefined }).map((r) => r.alert)).not.toContain("FlywheelSecretSyncFailing");
  });

  test("watches the NIMs of runs and of the stack (judge, embedding), one selector per namespace", () => {
    const expr = rule("FlywheelNimErrorRateHigh").expr;
    expect(expr).toContain('rate(request_failure_total{namespace="nim"}[10m]) or rate(request_failure_total{namespace="nemo"}[10m])');
    expect(rule("FlywheelNimTimeToFirstTokenHigh").expr).toContain('time_to_first_token_seconds_bucket{namespace="nemo"}');
  });

  test("leaves out of the idle GPU alert the nodes whose GPUs the serving namespace's NIMs hold, by dcgm-exporter's pod namespace", () => {
    expect(rule("FlywheelGpuNodeIdle", { servingNamespace: "serving" }).expr).toContain('unless on (Hostname) DCGM_FI_DEV_GPU_UTIL{exported_namespace="serving"}');
  });

  test("accepts any maxRunHours the stack config does, half an hour included", () => {
    expect(rule("FlywheelCandidateNimLeaked", { maxRunHours: 0.5 }).expr).toContain("> 1800");
  });

  test("without a README address, names the README anchor in a runbook annotation", () => {
    for (const r of rules({ runbookBaseUrl: undefined })) {
      expect(r.annotations.runbook_url).toBeUndefined();
      expect(r.annotations.runbook).toBe(`README.md#${alertRunbookAnchors[r.alert as keyof typeof alertRunbookAnchors]}`);
    }
  });

  test.each([
    [{ maxRunHours: 0 }, /maxRunHours must be a number above 0, got 0/],
    [{ maxRunHours: Number.NaN }, /maxRunHours must be a number/],
    [{ nimErrorRatio: 1.5 }, /nimErrorRatio must be a number from 0.001 to 1, got 1.5/],
    [{ nimTimeToFirstTokenSeconds: 0 }, /nimTimeToFirstTokenSeconds must be/],
    [{ elasticsearchDiskWatermark: 0.999 }, /elasticsearchDiskWatermark must be a number from 0.5 to 0.99/],
    [{ gpuIdleUtilisationPercent: 101 }, /gpuIdleUtilisationPercent must be/],
    [{ certificateNotAfterSeconds: { ...alertProps.certificateNotAfterSeconds, redis: -1 } }, /certificateNotAfterSeconds\.redis must be a number from 1/],
    [{ certificateNotAfterSeconds: { ...alertProps.certificateNotAfterSeconds, ca: Number.NaN } }, /certificateNotAfterSeconds\.ca must be a number/],
    [{ runbookBaseUrl: "http://example.test/README.md" }, /runbookBaseUrl must be an https URL/],
    [{ runbookBaseUrl: "https://example.test/README.md#alerts" }, /runbookBaseUrl must be an https URL without a fragment/],
    [{ apiServiceName: "Flywheel_API" }, /apiServiceName "Flywheel_API" must be a DNS-1123 label/],
    [{ candidateNamespace: "NIM" }, /candidateNamespace "NIM" must be a DNS-1123 label/],
    [{ servingNamespace: "Nemo" }, /servingNamespace "Nemo" must be a DNS-1123 label/],
    [{ monitorLabels: {} }, /monitorLabels must name at least one label/],
    [{ secretSync: { operatorNamespace: "external-secrets", namespaces: [] } }, /secretSync.namespaces must name at least one namespace with ExternalSecrets/],
  ] as const)("refuses %j, naming the prop", (overrides, message) => {
    expect(() => render(overrides)).toThrow(message);
  });
});
