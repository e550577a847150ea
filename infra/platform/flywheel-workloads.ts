import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart, Duration } from "cdk8s";
import { CandidateNimAdmission } from "../../constructs/flywheel/candidate-nim-admission";
import { FlywheelJobAccess } from "../../constructs/flywheel/flywheel-job-access";
import { FlywheelSchedule } from "../../constructs/flywheel/flywheel-schedule";
import type { FlywheelSchedules } from "../../stacks/config/load";
import { applyChart } from "../kubernetes/cdk8s-chart";
import type { CredentialSecrets } from "../kubernetes/credential-secrets";
import { credentialSecretLayouts } from "./external-credentials";
import { logStoreNaming } from "./log-store";

export interface FlywheelWorkloadsArgs {
  readonly namespace: string;
  /** The workloads' schedules and validated job configurations, and the job image, pinned by digest. */
  readonly schedules: FlywheelSchedules;
  /** Secret with ELASTICSEARCH_*, MONGODB_URL and REDIS_URL (rediss://). */
  readonly connectionsSecret: string;
  /** ConfigMap with the stack's CA (`ca.crt`), which signed Elasticsearch's and Redis's certificates. */
  readonly elasticsearchCaConfigMap: string;
  /** Where the remote embedding endpoint's key comes from (the judge's stays with the judge proxy). */
  readonly credentials: CredentialSecrets;
  readonly podLabels: Readonly<Record<string, string>>;
  /** The Pushgateway each run pushes its metrics to; none when the stack installs no monitoring of its own. */
  readonly pushgatewayUrl?: string;
  /** The MLflow each run logs its evaluations to; none when the stack installs no MLflow. */
  readonly mlflowUrl?: string;
  /** The data services, NeMo and the model caches: a run needs them all. */
  readonly dependsOn: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/** Secret with the remote embedding endpoint's key, in the flywheel namespace; empty when there is none. */
export const modelKeysSecret = credentialSecretLayouts.flywheelModelKeys.name;

/**
 * The scheduled flywheels: one CronJob per workload, the job's least-privilege identity, the
 * admission policy for the NIMServices its runs create, and the Secret with the API keys of remote models.
 */
export class FlywheelWorkloads extends pulumi.ComponentResource {
  constructor(name: string, args: FlywheelWorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:FlywheelWorkloads", name, {}, opts);
    const modelKeys = args.credentials.write(`${name}-model-keys`, "flywheelModelKeys", args.namespace, { parent: this, dependsOn: [...args.dependsOn] });

    const chart = new Chart(new App(), name);
    const access = new FlywheelJobAccess(chart, "access", { namespace: args.namespace });
    for (const workload of args.schedules.workloads) {
      new FlywheelSchedule(chart, `${workload.jobConfig.workloadId}-${workload.jobConfig.clientId}`, {
        namespace: args.namespace,
        jobConfig: workload.jobConfig,
        schedule: workload.schedule,
        timeZone: workload.timeZone,
        image: args.schedules.image,
        serviceAccountName: access.serviceAccountName,
        environmentSecrets: [args.connectionsSecret, modelKeysSecret],
        certificateAuthority: { name: args.elasticsearchCaConfigMap, key: logStoreNaming.caKey },
        podLabels: args.podLabels,
        ...(args.pushgatewayUrl ? { pushgatewayUrl: args.pushgatewayUrl } : {}),
        ...(args.mlflowUrl ? { mlflowUrl: args.mlflowUrl } : {}),
        maxRunDuration: Duration.minutes(Math.round(args.schedules.maxRunHours * 60)),
      });
    }
    // The job's Role lets it create any NIMService; admission holds what it creates to its candidates.
    new CandidateNimAdmission(chart, "candidate-nim-admission", {
      namespace: args.namespace,
      candidateImages: args.schedules.workloads.flatMap((workload) => workload.jobConfig.candidates.map((candidate) => candidate.image)),
    });
    applyChart(name, chart, { parent: this, provider: args.provider, dependsOn: [...args.dependsOn, ...modelKeys] });
    this.registerOutputs({});
  }
}
