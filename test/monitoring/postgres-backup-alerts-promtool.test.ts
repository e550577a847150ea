import type { Chart } from "cdk8s";
import { alertRunbookAnchors, FlywheelAlerts } from "../../constructs/monitoring";
import { synth } from "../constructs/data/support";
import { alertProps } from "../constructs/monitoring/flywheel-alerts-props";
import { type AlertRuleSpec, alertRuleSpec, promtoolTestRules, rulesOf } from "../support/alert-rule-tests";
import { describeWithProgram, promtool } from "../support/needs-program";

const props = { ...alertProps, postgresBackups: { namespaces: ["nemo"] } };
const spec = () => alertRuleSpec(props);
const postgresRules = (s: AlertRuleSpec) => rulesOf(s, "FlywheelBackupLate", { store: "postgres" });

/** An instance pod's series as CloudNativePG's PodMonitor scrapes it: no cluster label, the pod named after the cluster. */
function series(name: string, namespace: string, pod: string): string {
  return `barman_cloud_cloudnative_pg_io_${name}{namespace="${namespace}", pod="${pod}", job="${namespace}/nemo-postgres", instance="10.0.4.1:9187", container="postgres"}`;
}

describe("FlywheelBackupLate for PostgreSQL", () => {
  test("two rules, late and failed, on the barman-cloud plugin's metrics of the named namespaces only", () => {
    const rules = postgresRules(spec());
    expect(rules.map((r) => r.labels.reason)).toEqual(["late", "failed"]);
    expect(alertRunbookAnchors.FlywheelBackupLate).toBeDefined();
  });

  test("without postgresBackups there is no PostgreSQL rule", () => {
    expect(postgresRules(alertRuleSpec(alertProps))).toEqual([]);
  });

  test("refuses an empty namespace list and an age under an hour", () => {
    expect(() => synth((chart: Chart) => { new FlywheelAlerts(chart, "a", { ...alertProps, postgresBackups: { namespaces: [] } }); })).toThrow(/postgresBackups.namespaces/);
    expect(() => synth((chart: Chart) => { new FlywheelAlerts(chart, "a", { ...alertProps, postgresBackups: { namespaces: ["nemo"], maxAgeHours: 0 } }); })).toThrow(/postgresBackups.maxAgeHours/);
  });
});

describeWithProgram(promtool, "FlywheelBackupLate for PostgreSQL under promtool", () => {
  test("fires when the newest base backup is over 26 h old or a failure is newer, per cluster, and not before the first backup or outside the namespaces", async () => {
    const rendered = spec();
    const annotations = (reason: string, description: string) => ({ ...postgresRules(rendered).find((r) => r.labels.reason === reason)!.annotations, description });
    const labels = (reason: string) => ({ severity: "warning", store: "postgres", reason, namespace: "nemo", cluster: "nemo-postgres" });
    const late = {
      interval: "1m",
      input_series: [
        // Both instances report the backup finished at 01:00; a cluster outside the namespaces and one with no backup yet stay quiet.
        { series: series("last_available_backup_timestamp", "nemo", "nemo-postgres-1"), values: "3600x1800" },
        { series: series("last_available_backup_timestamp", "nemo", "nemo-postgres-2"), values: "3600x1800" },
        { series: series("last_available_backup_timestamp", "team-a", "theirs-1"), values: "3600x1800" },
        { series: series("last_available_backup_timestamp", "nemo", "fresh-1"), values: "0x1800" },
      ],
      alert_rule_test: [
        { eval_time: "26h", alertname: "FlywheelBackupLate", exp_alerts: [] },
        {
          eval_time: "28h",
          alertname: "FlywheelBackupLate",
          exp_alerts: [{ exp_labels: labels("late"), exp_annotations: annotations("late", "The newest base backup of CloudNativePG cluster nemo/nemo-postgres is 1d 3h 0m 0s old (more than 26 h): a restore would replay every WAL file since.") }],
        },
      ],
    };
    const failed = {
      interval: "1m",
      input_series: [
        // A backup succeeded at 0 s + 60; one failed at 120 s; a success after a failure clears it.
        { series: series("last_available_backup_timestamp", "nemo", "nemo-postgres-1"), values: "60x30" },
        { series: series("last_failed_backup_timestamp", "nemo", "nemo-postgres-1"), values: "0 0 120x28" },
        { series: series("last_available_backup_timestamp", "nemo", "other-1"), values: "180x30" },
        { series: series("last_failed_backup_timestamp", "nemo", "other-1"), values: "120x30" },
      ],
      alert_rule_test: [
        { eval_time: "5m", alertname: "FlywheelBackupLate", exp_alerts: [] },
        {
          eval_time: "10m",
          alertname: "FlywheelBackupLate",
          exp_alerts: [{ exp_labels: labels("failed"), exp_annotations: annotations("failed", "The last base backup of CloudNativePG cluster nemo/nemo-postgres failed after its last success (kubectl get backups -n nemo shows why).") }],
        },
      ],
    };
    await promtoolTestRules(rendered, [late, failed]);
  }, 90_000);
});
