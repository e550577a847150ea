import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { Chart } from "cdk8s";
import { FlywheelAlerts, type FlywheelAlertsProps } from "../../constructs/monitoring";
import { only, synth } from "../constructs/data/support";
import { promtool } from "./needs-program";

const run = promisify(execFile);

/** One alerting rule of the flywheel's PrometheusRule, as rendered. */
export interface RenderedAlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** The PrometheusRule's spec: what promtool reads as a rule file. */
export interface AlertRuleSpec {
  readonly groups: readonly { readonly name: string; readonly rules: readonly RenderedAlertRule[] }[];
}

/** The flywheel's alerts rendered with `props`. */
export function alertRuleSpec(props: FlywheelAlertsProps): AlertRuleSpec {
  return only(synth((chart: Chart) => { new FlywheelAlerts(chart, "alerts", props); }), "PrometheusRule").spec as AlertRuleSpec;
}

/** The rules of one alert whose labels include `labels`. */
export function rulesOf(spec: AlertRuleSpec, alert: string, labels: Readonly<Record<string, string>>): RenderedAlertRule[] {
  return spec.groups.flatMap((g) => g.rules).filter((r) => r.alert === alert && Object.entries(labels).every(([k, v]) => r.labels[k] === v));
}

/**
 * Runs `promtool test rules` on `tests` (promtool's `tests` list, each with its input series and
 * expected alerts) against `spec`, in a directory of its own, removed afterwards. Fails with
 * promtool's own report of what it expected and got.
 */
export async function promtoolTestRules(spec: AlertRuleSpec, tests: readonly unknown[], evaluationInterval = "1m"): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flywheel-alert-rules-"));
  try {
    fs.writeFileSync(path.join(dir, "alerts.rules.json"), JSON.stringify(spec));
    const file = path.join(dir, "tests.json");
    fs.writeFileSync(file, JSON.stringify({ rule_files: ["alerts.rules.json"], evaluation_interval: evaluationInterval, tests }));
    await run(promtool.command, ["test", "rules", file], { timeout: 60_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool test rules failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
