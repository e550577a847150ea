import { evalTypes, jobMetrics, pushJobName } from "../../../flywheel-job/src/contract";
import { fail } from "../../common/errors";
import { buildDashboard, labelValuesVariable, type PanelSpec, textBoxVariable } from "./dashboard-builder";
import type { Dashboard } from "./dashboard-model";

export interface FlywheelDashboardProps {
  /** The namespace of the workloads' CronJobs, whose last success kube-state-metrics reports. */
  readonly flywheelNamespace: string;
  /**
   * Price of one GPU-hour (the stack's `flywheel.gpuHourlyCost`): the cost panels' starting price,
   * which a viewer may change in the dashboard.
   * @default none: the dashboard shows GPU-hours and leaves the cost panels out
   */
  readonly gpuHourlyCost?: number;
}

/** The Flywheel dashboard's uid, and its ConfigMap key `flywheel.json`. */
export const flywheelDashboardUid = "flywheel";

const m = jobMetrics;
/** Every job series of the chosen workload and client. */
const group = `job="${pushJobName}", workload="$workload", client="$client"`;

/**
 * What the flywheel did: its runs' outcomes, each candidate's scores against the workload's targets
 * per evaluation type, the GPU-hours (and their cost) it spent, how long its stages took and how
 * many records it used. Everything but the schedule's last success is what the runs pushed; a
 * series shows the latest run of each workload until the next one replaces it.
 */
export function flywheelDashboard(props: FlywheelDashboardProps): Dashboard {
  const cost = props.gpuHourlyCost;
  if (cost !== undefined && !(Number.isFinite(cost) && cost > 0)) {
    fail(`dashboard ${flywheelDashboardUid}`, `gpuHourlyCost ${cost} must be a positive price`);
  }
  const gpuHours = (by: string, selector: string): string => `sum by (${by}) (${m.candidateGpuSeconds.name}{${selector}}) / 3600`;
  const scorePanels: PanelSpec[] = evalTypes.map((evalType) => ({
    kind: "timeseries",
    title: `Scores: ${evalType}`,
    description: `Each candidate's score per metric in ${evalType} (${m.evaluationScore.name}), against the workload's target for the metrics it scores (${m.evaluationTarget.name}).`,
    unit: "percentunit",
    min: 0,
    max: 1,
    width: 8,
    queries: [
      { expr: `max by (candidate, metric) (${m.evaluationScore.name}{${group}, eval_type="${evalType}"})`, legend: "{{candidate}} {{metric}}" },
      {
        expr: `max by (metric) (${m.evaluationTarget.name}{${group}}) and on (metric) max by (metric) (${m.evaluationScore.name}{${group}, eval_type="${evalType}"})`,
        legend: "target {{metric}}",
      },
    ],
  }));
  const costPanels: PanelSpec[] =
    cost === undefined
      ? []
      : [
          {
            kind: "timeseries",
            title: "Cost per run",
            description: `GPU-hours of each workload's latest run (${m.candidateGpuSeconds.name}) times the price of a GPU-hour ($gpu_hour_cost, from flywheel.gpuHourlyCost, in its currency).`,
            unit: "short",
            decimals: 2,
            width: 12,
            queries: [{ expr: `${gpuHours("workload, client", `job="${pushJobName}"`)} * $gpu_hour_cost`, legend: "{{workload}} / {{client}}" }],
          },
          {
            kind: "bargauge",
            title: "Cost per candidate",
            description: `Each candidate's GPU-hours in the chosen workload's latest run times $gpu_hour_cost, in the price's currency.`,
            unit: "short",
            decimals: 2,
            width: 12,
            queries: [{ expr: `${gpuHours("candidate", group)} * $gpu_hour_cost`, legend: "{{candidate}}" }],
          },
        ];
  return buildDashboard({
    uid: flywheelDashboardUid,
    title: "Data Flywheel",
    description: "Runs, candidates' scores against their targets, GPU-hours and cost, stages and records of the flywheel job (pushed to the Pushgateway by each run).",
    tags: ["data-flywheel"],
    from: "now-30d",
    variables: [
      labelValuesVariable("workload", "Workload", `${m.runStatus.name}{job="${pushJobName}"}`, "workload"),
      labelValuesVariable("client", "Client", `${m.runStatus.name}{job="${pushJobName}", workload="$workload"}`, "client"),
      ...(cost === undefined ? [] : [textBoxVariable("gpu_hour_cost", "Price of a GPU-hour", String(cost))]),
    ],
    panels: [
      { row: "Runs" },
      {
        kind: "timeseries",
        title: "Runs by outcome",
        description: `How many workloads' latest run is running, completed, failed or cancelled (${m.runStatus.name}); a run shows as running from its first stage's end.`,
        unit: "short",
        width: 12,
        queries: [{ expr: `sum by (status) (${m.runStatus.name}{job="${pushJobName}"})`, legend: "{{status}}" }],
      },
      {
        kind: "stat",
        title: "Since the last successful run",
        description: "Time since each workload's CronJob last completed a Job (kube-state-metrics' kube_cronjob_status_last_successful_time), which a failed run cannot reset.",
        unit: "s",
        width: 12,
        queries: [{ expr: `time() - kube_cronjob_status_last_successful_time{namespace="${props.flywheelNamespace}"}`, legend: "{{cronjob}}" }],
      },
      {
        kind: "timeseries",
        title: "Run duration",
        description: `Seconds from each workload's latest run's start to its last push, its whole duration once it ended (${m.runDuration.name}).`,
        unit: "s",
        width: 24,
        queries: [{ expr: `max by (workload, client) (${m.runDuration.name}{job="${pushJobName}"})`, legend: "{{workload}} / {{client}}" }],
      },
      { row: "Scores against targets ($workload / $client)" },
      ...scorePanels,
      { row: "GPU-hours and cost" },
      {
        kind: "timeseries",
        title: "GPU-hours per run",
        description: `GPUs × hours the candidates of each workload's latest run held from the GPU budget (${m.candidateGpuSeconds.name} / 3600).`,
        unit: "h",
        width: 12,
        queries: [{ expr: gpuHours("workload, client", `job="${pushJobName}"`), legend: "{{workload}} / {{client}}" }],
      },
      {
        kind: "bargauge",
        title: "GPU-hours per candidate",
        description: `GPUs × hours each candidate of the chosen workload's latest run held (${m.candidateGpuSeconds.name} / 3600).`,
        unit: "h",
        width: 12,
        queries: [{ expr: gpuHours("candidate", group), legend: "{{candidate}}" }],
      },
      ...costPanels,
      { row: "Stages and records ($workload / $client)" },
      {
        kind: "timeseries",
        title: "Stage durations",
        description: `Seconds each stage of the latest run took (${m.stageDuration.name}); a failed run has none for the stage that failed.`,
        unit: "s",
        width: 8,
        queries: [{ expr: `max by (stage) (${m.stageDuration.name}{${group}})`, legend: "{{stage}}" }],
      },
      {
        kind: "timeseries",
        title: "Records per curation stage",
        description: `Records left after each curation stage: pulled, valid, of the workload's type, unique, sampled (${m.curationRecords.name}).`,
        unit: "short",
        width: 8,
        queries: [{ expr: `max by (stage) (${m.curationRecords.name}{${group}})`, legend: "{{stage}}" }],
      },
      {
        kind: "timeseries",
        title: "Records dropped by reason",
        description: `Pulled records curation did not use, by the first check each failed (${m.droppedRecords.name}).`,
        unit: "short",
        width: 8,
        queries: [{ expr: `max by (reason) (${m.droppedRecords.name}{${group}})`, legend: "{{reason}}" }],
      },
    ],
  });
}
