import type { RenderedStack } from "../../render/render-stack";
import { renderedVariant } from "./rendered-stacks";
import { editedStack } from "./stack-config";

/** The dashboard label of the external Grafana in `externalMonitoringStack`. */
export const externalDashboardLabel = { name: "example.com/grafana-dashboard", value: "flywheel" } as const;
/** The release label of the external Prometheus in `externalMonitoringStack`. */
export const externalReleaseLabel = "cluster-monitoring";
/** The README address of `externalMonitoringStack`'s alerts. */
export const externalRunbookBaseUrl = "https://git.example.com/data-flywheel/blob/main/README.md";

/**
 * dev with an existing Prometheus Operator and Grafana (`platform.monitoring.external`), alert
 * thresholds of its own and runs of at most 3 hours: no shipped stack uses `external`. Rendered once
 * per `jest` run and shared by the monitoring, scrape, dashboard and alert suites.
 */
export function externalMonitoringStack(): Promise<RenderedStack> {
  return renderedVariant("external-monitoring", () =>
    editedStack("dev", (c) => {
      c["data-flywheel:platform"] = {
        monitoring: {
          external: { releaseLabel: externalReleaseLabel, dashboardLabel: externalDashboardLabel },
          alerts: { nimErrorRatio: 0.2, gpuIdleUtilisationPercent: 10, runbookBaseUrl: externalRunbookBaseUrl },
        },
      };
      c["data-flywheel:flywheel"] = { ...(c["data-flywheel:flywheel"] as Record<string, unknown> | undefined), maxRunHours: 3 };
    }),
  );
}
