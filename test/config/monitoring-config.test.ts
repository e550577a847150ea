import { loadStackConfig, StackConfigError } from "../../stacks/config/load";
import { alertThresholds } from "../../constructs/monitoring";
import { defaultDashboardLabel, monitorSelection } from "../../infra/platform/monitor-selection";
import { editedStack } from "../support/stack-config";

type Config = Record<string, unknown>;

/** The stack with `platform.monitoring` replaced. */
function withMonitoring(stack: string, monitoring: unknown): ReturnType<typeof editedStack> {
  return editedStack(stack, (c: Config) => {
    c["data-flywheel:platform"] = { ...(c["data-flywheel:platform"] as Config | undefined), monitoring };
  });
}

function problems(stack: string, monitoring: unknown): readonly string[] {
  try {
    loadStackConfig(withMonitoring(stack, monitoring), "placeholder");
  } catch (error) {
    if (error instanceof StackConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

const settings = (stack: string, monitoring?: unknown) =>
  loadStackConfig(monitoring === undefined ? editedStack(stack, () => undefined) : withMonitoring(stack, monitoring), "placeholder").platform.monitoring;

describe("platform.monitoring", () => {
  it("installs the stack's own by default: one replica keeping 7 days on 20 GiB", () => {
    expect(settings("dev")).toEqual({ enabled: true, prometheus: { replicas: 1, retention: "7d", storageGiB: 20 } });
    expect(monitorSelection(settings("dev"))).toEqual({ monitorLabels: { release: "kube-prometheus-stack" }, dashboardLabel: defaultDashboardLabel });
  });

  it("ships two replicas keeping 30 days in prod, and none in local", () => {
    expect(settings("prod").prometheus).toEqual({ replicas: 2, retention: "30d", storageGiB: 100 });
    expect(settings("local").enabled).toBe(false);
    expect(monitorSelection(settings("local"))).toBeUndefined();
  });

  it("labels monitors for an existing Prometheus with its release, and dashboards for its sidecar", () => {
    expect(monitorSelection(settings("dev", { external: { releaseLabel: "monitoring" } }))).toEqual({
      monitorLabels: { release: "monitoring" },
      dashboardLabel: { name: "grafana_dashboard", value: "1" },
    });
    expect(monitorSelection(settings("dev", { external: { releaseLabel: "prom", dashboardLabel: { name: "example.com/dashboard", value: "yes" } } }))?.dashboardLabel).toEqual({
      name: "example.com/dashboard",
      value: "yes",
    });
  });

  it("refuses external without a release label, naming the key", () => {
    expect(problems("dev", { external: {} })).toEqual([expect.stringMatching(/^data-flywheel:platform\.monitoring\.external\.releaseLabel: /)]);
    expect(problems("dev", { external: { releaseLabel: "not a label" } })).toEqual([expect.stringMatching(/^data-flywheel:platform\.monitoring\.external\.releaseLabel: expected a label value/)]);
    expect(problems("dev", { external: { releaseLabel: "prom", dashboardLabel: { name: "bad key!", value: "1" } } })).toEqual([
      expect.stringMatching(/^data-flywheel:platform\.monitoring\.external\.dashboardLabel\.name: expected a label key/),
    ]);
  });

  it("refuses external with monitoring turned off", () => {
    expect(problems("dev", { enabled: false, external: { releaseLabel: "prom" } })).toEqual([
      expect.stringMatching(/^data-flywheel:platform\.monitoring\.external: only applies when enabled is true/),
    ]);
  });

  it("refuses Prometheus sizes where the stack installs no Prometheus", () => {
    expect(problems("dev", { prometheus: { replicas: 2 }, external: { releaseLabel: "prom" } })).toEqual([
      "data-flywheel:platform.monitoring.prometheus: sizes the stack's own Prometheus, which external does not install; remove it, got \"(set)\"",
    ]);
    expect(problems("dev", { enabled: false, prometheus: { retention: "30d" } })).toEqual([
      "data-flywheel:platform.monitoring.prometheus: sizes the stack's own Prometheus, which enabled: false does not install; remove it, got \"(set)\"",
    ]);
  });

  it.each(["15 days", "15", "d", "0", "0d", "1d2w", ""])("refuses the retention %j, which is no Prometheus duration longer than zero", (retention) => {
    expect(problems("dev", { prometheus: { retention } })).toEqual([expect.stringMatching(/^data-flywheel:platform\.monitoring\.prometheus\.retention: /)]);
  });

  it.each(["36h", "2w", "1y", "1w3d12h"])("accepts the retention %j", (retention) => {
    expect(settings("dev", { prometheus: { retention } }).prometheus.retention).toBe(retention);
  });

  it("refuses replicas and storage out of range, naming the key", () => {
    expect(problems("dev", { prometheus: { replicas: 0, storageGiB: 1 } })).toEqual([
      expect.stringMatching(/^data-flywheel:platform\.monitoring\.prometheus\.replicas: /),
      expect.stringMatching(/^data-flywheel:platform\.monitoring\.prometheus\.storageGiB: /),
    ]);
    expect(problems("dev", { prometheus: { replicas: 6, storageGiB: 20000 } })).toHaveLength(2);
    expect(problems("dev", { prometheus: { replicas: 2.5 } })).toEqual([expect.stringMatching(/^data-flywheel:platform\.monitoring\.prometheus\.replicas: /)]);
  });

  it("needs two replicas of the stack's own Prometheus in production, and none of an external one", () => {
    expect(problems("prod", { prometheus: { replicas: 1 } })).toEqual([
      "data-flywheel:platform.monitoring.prometheus.replicas: must be at least 2 in production, so metrics and alerts survive a lost node, got 1",
    ]);
    expect(settings("prod", { external: { releaseLabel: "prom" } }).external?.releaseLabel).toBe("prom");
    expect(settings("prod", { enabled: false }).enabled).toBe(false);
  });

  it("takes the alerts' thresholds and README address, each optional", () => {
    const alerts = { nimErrorRatio: 0.1, nimTimeToFirstTokenSeconds: 5, elasticsearchDiskWatermark: 0.9, gpuIdleUtilisationPercent: 10, runbookBaseUrl: "https://git.example.com/data-flywheel/README.md" };
    expect(settings("dev", { alerts }).alerts).toEqual(alerts);
    expect(settings("dev", { alerts: {} }).alerts).toEqual({});
  });

  it.each([
    ["nimErrorRatio", alertThresholds.nimErrorRatio.min / 2],
    ["nimErrorRatio", alertThresholds.nimErrorRatio.max + 0.5],
    ["nimTimeToFirstTokenSeconds", 0],
    ["nimTimeToFirstTokenSeconds", alertThresholds.nimTimeToFirstTokenSeconds.max + 1],
    ["elasticsearchDiskWatermark", 0.4],
    ["elasticsearchDiskWatermark", 1],
    ["gpuIdleUtilisationPercent", -1],
    ["gpuIdleUtilisationPercent", 101],
  ] as const)("refuses the alert threshold %s %j, outside the alert's range, naming the key", (key, value) => {
    expect(problems("dev", { alerts: { [key]: value } })).toEqual([expect.stringMatching(new RegExp(`^data-flywheel:platform\\.monitoring\\.alerts\\.${key}: `))]);
  });

  it.each(["http://git.example.com/README.md", "https://git.example.com/README.md#alerts", "README.md"])("refuses the runbook address %j", (runbookBaseUrl) => {
    expect(problems("dev", { alerts: { runbookBaseUrl } })).toEqual([expect.stringMatching(/^data-flywheel:platform\.monitoring\.alerts\.runbookBaseUrl: /)]);
  });

  it("refuses alert thresholds with monitoring turned off", () => {
    expect(problems("dev", { enabled: false, alerts: { nimErrorRatio: 0.1 } })).toEqual([expect.stringMatching(/^data-flywheel:platform\.monitoring\.alerts: only applies when enabled is true/)]);
  });

  it("refuses a key it does not know", () => {
    expect(problems("dev", { retention: "15d" })).toEqual([expect.stringMatching(/^data-flywheel:platform\.monitoring\.retention: unknown key/)]);
  });
});
