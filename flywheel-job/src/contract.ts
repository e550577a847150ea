/**
 * The job's public face: everything the stack, the constructs and the policy pack may use of the
 * flywheel job, and nothing else. Root code imports only this module (an ESLint rule forbids any
 * other import of `flywheel-job/src`), so the job can change inside without the stack noticing, and
 * every fact both sides rely on — a name, a port, a path, a default, an exit code — is written once,
 * here or in the module it re-exports.
 */

/** The job configuration: its schema, parser and types, and the parts the stack config exposes. */
export {
  dataLimitsSchema,
  dataSettingsSchema,
  defaultGuidedDecodingBackend,
  defaultMaxSeqLength,
  flywheelJobConfigSchema,
  iclSettingsSchema,
  isNimLlm1Tag,
  metricNames,
  parseJobConfig,
  targetsSchema,
  type FlywheelJobConfig,
  type FlywheelJobConfigInput,
  type MetricName,
} from "./config/job-config";
/** What `flywheel plan` runs with by default: the dev stack's example workload (a test holds the two equal). */
export { planDefaultConfig } from "./config/plan-defaults";
/** The configuration error formatter the stack config shares: key paths, "did you mean", YAML hints. */
export { describeIssues, formatPath, type DescribeOptions } from "./config/describe-issues";
/** Where the CronJob mounts the configuration. */
export { mountedConfigPath } from "./config/mounted-config";
/** The environment variables the stack sets. */
export { jobEnvironment } from "./config/environment";
/** Exit codes, which the CronJob's podFailurePolicy matches. */
export { ExitCode } from "./errors";
/** What the job's service account must be allowed to do. */
export { kubernetesPermissions, type KubernetesPermission } from "./kubernetes/permissions";
/** Labels of what the job creates, and the naming rules of NIMCaches and NIMServices. */
export { annotationKeys, candidateNimComponent, labelKeys, labelValue, nameFragment, nimCacheName } from "./kubernetes/labels";
/** The NIMService a run creates for a candidate: what the stack's admission policy for the flywheel namespace must admit. */
export { candidateNimService, candidateNimServiceName, nimPort, type CandidateNimServiceProps } from "./backends/nemo-25/candidate-nim-service";
/** The NGC Secrets candidate NIMServices refer to. */
export { ngcSecretNames } from "./kubernetes/ngc-secret-names";
/** Where the stack deploys the judge proxy (the judge key stays out of Evaluator job bodies) and how NetworkPolicies find it. */
export { judgeProxyService } from "./judge-proxy/judge-proxy-service";
/** NODE_OPTIONS of the job image's processes, sized to their container's memory limit. */
export { nodeOptionsFor } from "./node-options";
/** Where the stack deploys the Flywheel API (`flywheel serve`), and what it relies on of the workloads' CronJobs. */
export { flywheelApiEnvironment, flywheelApiPermissions, flywheelApiService, flywheelScheduleContract } from "./api/flywheel-api-service";
/** The metrics a run pushes, the Pushgateway `job` label they carry and the evaluation types they are labelled with: what the dashboards query. */
export { jobMetrics, pushJobName, runStages, type JobMetric } from "./metrics/job-metrics";
/** The label values of the pushed metrics: a run's statuses (`status`) and curation's drop reasons (`reason`). */
export { runStatuses } from "./store/records";
export { dropReasons } from "./curation/drop-reasons";
export { evalTypes, type EvalType } from "./evaluation/metrics";
/** The form of a run's id, which the stack config's serving entries record as their evidence. */
export { recordIdPattern } from "./store/ids";
/** The GPU scheduling contract: the taint and labels of GPU pools that NIMs and training pods select. */
export { gpuNodeSelector, gpuResource, gpuRoleLabel, gpuRoles, gpuTaint, gpuToleration, nodePoolLabel, type GpuRole, type Toleration } from "./scheduling";
/** What the stack, the pack and `flywheel verify serving` share about served models: labels, the evidence annotation, the verify Job's config. */
export {
  customizedModelIdPattern,
  isToolCallingEvidence,
  productionMinServingReplicas,
  promotedFromSchema,
  servingAnnotationKeys,
  servingModelComponent,
  servingVerifyConfigSchema,
  verifyServingNaming,
  type PromotedFrom,
  type ServingVerifyConfig,
  type VerifiedServingEntry,
} from "./serving/serving-contract";
/** What the stack and `flywheel verify platform` share: the verify Job's names, its configuration and the troubleshooting entries. */
export {
  platformVerifyConfigSchema,
  troubleshootingIds,
  verifyPlatformNaming,
  type PlatformCheckResult,
  type PlatformVerifyConfig,
  type TroubleshootingId,
} from "./verify/platform/platform-verify-contract";
/** What `flywheel verify platform`'s service account must be allowed to do, and the autoscaler status ConfigMap it reads. */
export { clusterAutoscalerStatus, verifyPlatformPermissions, type VerifyPlatformPermission } from "./verify/platform/platform-kubernetes";
