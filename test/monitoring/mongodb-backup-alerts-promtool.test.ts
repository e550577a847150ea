import type { Chart } from "cdk8s";
import { mongodbBackupNames } from "../../constructs/data";
import { FlywheelAlerts } from "../../constructs/monitoring";
import { synth } from "../constructs/data/support";
import { alertProps } from "../constructs/monitoring/flywheel-alerts-props";
import { type AlertRuleSpec, alertRuleSpec, promtoolTestRules, rulesOf } from "../support/alert-rule-tests";
import { describeWithProgram, promtool } from "../support/needs-program";

const props = { ...alertProps, mongodbBackup: { namespace: "data", cronJob: mongodbBackupNames.cronJob } };
const spec = () => alertRuleSpec(props);
const mongodbRules = (s: AlertRuleSpec) => rulesOf(s, "FlywheelBackupLate", { store: "mongodb" });

/** A CronJob's series as kube-state-metrics exports it (honorLabels: the object's namespace wins). */
function series(name: string, namespace: string, cronjob: string): string {
  return `${name}{namespace="${namespace}", cronjob="${cronjob}", job="kube-state-metrics", instance="10.0.0.5:8080"}`;
}

describe("FlywheelBackupLate for MongoDB", () => {
  test("two rules, late and never-succeeded, on the backup CronJob only", () => {
    expect(mongodbRules(spec()).map((r) => r.labels.reason)).toEqual(["late", "never-succeeded"]);
  });

  test("without mongodbBackup there is no MongoDB rule", () => {
    expect(mongodbRules(alertRuleSpec(alertProps))).toEqual([]);
  });

  test("refuses a CronJob name Kubernetes would not take", () => {
    expect(() => synth((chart: Chart) => { new FlywheelAlerts(chart, "a", { ...alertProps, mongodbBackup: { namespace: "data", cronJob: "Not_A_Name" } }); })).toThrow(/mongodbBackup.cronJob/);
  });
});

describeWithProgram(promtool, "FlywheelBackupLate for MongoDB under promtool", () => {
  test("fires after twice the period without a success, or without any, and not when suspended, recent, or another CronJob", async () => {
    const rendered = spec();
    const annotations = (reason: string, description: string) => ({ ...mongodbRules(rendered).find((r) => r.labels.reason === reason)!.annotations, description });
    const labels = (reason: string) => ({ severity: "warning", store: "mongodb", reason, namespace: "data", cronjob: "mongodb-backup" });
    const cron = "mongodb-backup";
    // Hourly for the test: last scheduled at 2 h, next at 3 h, so twice the period is 2 h.
    const schedule = (namespace: string, cronjob: string) => [
      { series: series("kube_cronjob_status_last_schedule_time", namespace, cronjob), values: "7200x300" },
      { series: series("kube_cronjob_next_schedule_time", namespace, cronjob), values: "10800x300" },
    ];
    const late = {
      interval: "1m",
      input_series: [
        ...schedule("data", cron),
        { series: series("kube_cronjob_status_last_successful_time", "data", cron), values: "0x300" },
        { series: series("kube_cronjob_spec_suspend", "data", cron), values: "0x300" },
        { series: series("kube_cronjob_created", "data", cron), values: "0x300" },
        // The flywheel's own schedules are FlywheelScheduleMissed's, not this rule's.
        ...schedule("flywheel", "flywheel-a-b"),
        { series: series("kube_cronjob_status_last_successful_time", "flywheel", "flywheel-a-b"), values: "0x300" },
      ],
      alert_rule_test: [
        { eval_time: "1h50m", alertname: "FlywheelBackupLate", exp_alerts: [] },
        {
          eval_time: "3h",
          alertname: "FlywheelBackupLate",
          exp_alerts: [{ exp_labels: labels("late"), exp_annotations: annotations("late", "CronJob data/mongodb-backup has had no successful backup within twice its period (3h 0m 0s since its last success): the runs recorded since are in no backup.") }],
        },
      ],
    };
    const never = {
      interval: "1m",
      input_series: [...schedule("data", cron), { series: series("kube_cronjob_spec_suspend", "data", cron), values: "0x300" }, { series: series("kube_cronjob_created", "data", cron), values: "0x300" }],
      alert_rule_test: [
        { eval_time: "1h50m", alertname: "FlywheelBackupLate", exp_alerts: [] },
        {
          eval_time: "3h",
          alertname: "FlywheelBackupLate",
          exp_alerts: [{ exp_labels: labels("never-succeeded"), exp_annotations: annotations("never-succeeded", "CronJob data/mongodb-backup was created 3h 0m 0s ago and has never completed a backup (kubectl logs -n data job/<its last Job> -c dump, then -c upload).") }],
        },
      ],
    };
    const suspended = {
      interval: "1m",
      input_series: [...schedule("data", cron), { series: series("kube_cronjob_spec_suspend", "data", cron), values: "1x300" }, { series: series("kube_cronjob_created", "data", cron), values: "0x300" }, { series: series("kube_cronjob_status_last_successful_time", "data", cron), values: "0x300" }],
      alert_rule_test: [{ eval_time: "4h", alertname: "FlywheelBackupLate", exp_alerts: [] }],
    };
    await promtoolTestRules(rendered, [late, never, suspended]);
  }, 90_000);
});
