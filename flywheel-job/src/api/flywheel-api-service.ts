import type { KubernetesPermission } from "../kubernetes/permissions";
import { nodeOptionsFor } from "../node-options";

/**
 * How the stack deploys `flywheel serve` and how its clients, probes and NetworkPolicies reach it:
 * the one owner of its port, paths, token files and arguments.
 */
export const flywheelApiService = {
  /** Name of its Deployment and Service. */
  serviceName: "flywheel-api",
  /** Port it listens on, in its pod and on its Service: the blueprint's, so its clients' URLs keep working. */
  port: 8000,
  /** Value of the `app.kubernetes.io/component` label on its pods. */
  component: "flywheel-api",
  /** 200 while the process answers (liveness). */
  healthPath: "/healthz",
  /** 200 while the run store answers a read (readiness). */
  readinessPath: "/readyz",
  /** Prometheus metrics, without authentication like the probes. */
  metricsPath: "/metrics",
  /** Directory the token Secrets are mounted in. */
  tokenDirectory: "/etc/flywheel/api-tokens",
  /** Files in it: the read-only token, and the operator token (also starts, cancels and deletes runs). */
  tokenFiles: { read: "read-token", operator: "operator-token" },
  /** How long a run the API recorded may wait for its Job to adopt it before it is closed as failed. @default 15 */
  defaultStartTimeoutMinutes: 15,
  /**
   * Memory limit of its container unless the stack sets one: over 10,000 runs in a state directory it
   * peaks near 125 MiB (`npm run bench:api`), and in a pod it also loads the Kubernetes client and
   * the MongoDB driver, some 110 MiB more. @default 512
   */
  defaultMemoryLimitMebibytes: 512,
  /** NODE_OPTIONS of its process in a container limited to `memoryLimitMebibytes` (semi-spaces of 4 MiB: see `nodeOptionsFor`). */
  nodeOptions(memoryLimitMebibytes: number): string {
    return nodeOptionsFor(memoryLimitMebibytes, 4);
  },
  /** The start timeouts `flywheel serve` accepts, in minutes: from one minute to a day. */
  startTimeoutMinutesRange: { min: 1, max: 24 * 60 },
  /**
   * The job image's arguments that run the API over MongoDB (MONGODB_URL) in the namespace of its pod
   * (FLYWHEEL_NAMESPACE), where the flywheel CronJobs are.
   */
  arguments(startTimeoutMinutes: number): string[] {
    const tokens = flywheelApiService.tokenDirectory;
    return [
      "serve",
      "--port",
      String(flywheelApiService.port),
      "--read-token-file",
      `${tokens}/${flywheelApiService.tokenFiles.read}`,
      "--operator-token-file",
      `${tokens}/${flywheelApiService.tokenFiles.operator}`,
      "--start-timeout-minutes",
      String(startTimeoutMinutes),
    ];
  },
} as const;

/**
 * What the API relies on to find a workload's CronJob and start an on-demand run from it, as
 * `kubectl create job --from=cronjob/…` does: the stack's `FlywheelSchedule` sets these.
 */
export const flywheelScheduleContract = {
  /** Value of `app.kubernetes.io/component` on each workload's CronJob. */
  component: "flywheel-schedule",
  /** Name of the container that runs `flywheel run`; an on-demand Job adds `--run-id` to its arguments. */
  containerName: "flywheel",
  /** The flag of `flywheel run` that adopts a pending run. */
  runIdFlag: "--run-id",
} as const;

/**
 * The Kubernetes permissions `flywheel serve` uses in its namespace, and no more (the stack's Role
 * for it): listing the flywheel CronJobs (`GET /api/workloads`, `POST /api/jobs`) and creating the
 * on-demand Job. An on-demand Job's owner reference to its CronJob sets
 * `blockOwnerDeletion`, which clusters with the OwnerReferencesPermissionEnforcement admission plugin
 * allow only to whoever may update the CronJob's finalizers.
 */
export const flywheelApiPermissions: readonly KubernetesPermission[] = [
  { apiGroup: "batch", resource: "cronjobs", verbs: ["list"] },
  { apiGroup: "batch", resource: "cronjobs/finalizers", verbs: ["update"] },
  { apiGroup: "batch", resource: "jobs", verbs: ["create"] },
];

/**
 * The environment `flywheel serve` reads in the cluster: the run store, the namespace of the
 * CronJobs (the pod's own, by the downward API), and NeMo's Data Store and Entity Store, which
 * `DELETE /api/jobs/{id}` removes a run's datasets and adapters from (NEMO_BASE_URL, or both
 * service URLs).
 */
export const flywheelApiEnvironment = {
  required: ["MONGODB_URL", "FLYWHEEL_NAMESPACE"],
  nemo: ["NEMO_BASE_URL", "NEMO_DATA_STORE_URL", "NEMO_ENTITY_STORE_URL"],
} as const;
