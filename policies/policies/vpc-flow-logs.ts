import type { StackValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { refersTo } from "../lib/references";

export interface VpcFlowLogsConfig {
  /** Every VPC of the stack must have a flow log. */
  readonly required: boolean;
  /** Fewest days a flow log's CloudWatch log group may keep records. */
  readonly minRetentionDays: number;
}

export const vpcFlowLogsDefaults: VpcFlowLogsConfig = { required: true, minRetentionDays: 90 };

const vpcType = "aws:ec2/vpc:Vpc";
const flowLogType = "aws:ec2/flowLog:FlowLog";
const logGroupType = "aws:cloudwatch/logGroup:LogGroup";

/**
 * Flow logs are the only record of which addresses the nodes and pods talked to. A flow log to
 * CloudWatch must write a log group of the stack's own, so its retention is the stack's (a group
 * CloudWatch creates keeps records forever, one kept a day proves nothing). A stack policy: the
 * flow log and its group name the VPC and each other by id.
 */
export const vpcFlowLogs: StackValidationPolicy = {
  name: "vpc-flow-logs",
  description:
    "Every VPC has a flow log (config required), and each flow log to CloudWatch writes a log group of the stack that keeps records at least minRetentionDays. " +
    "Mandatory in production: without them an incident's network traffic cannot be reconstructed.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Set aws.vpc.flowLogs.enabled: true (and retentionDays) in the stack file.",
  configSchema: {
    properties: {
      required: { type: "boolean", default: vpcFlowLogsDefaults.required, description: "Every VPC must have a flow log." },
      minRetentionDays: { type: "integer", minimum: 1, default: vpcFlowLogsDefaults.minRetentionDays, description: "Fewest days the flow logs' log group keeps records." },
    },
  },
  validateStack: (args, reportViolation) => {
    const { required, minRetentionDays } = policyConfig(args, vpcFlowLogsDefaults);
    const flowLogs = args.resources.filter((r) => r.type === flowLogType);
    if (required) {
      for (const vpc of args.resources.filter((r) => r.type === vpcType)) {
        if (!flowLogs.some((f) => refersTo(f.props.vpcId, vpc))) {
          reportViolation(`VPC "${vpc.name}" has no flow log. Fix: set aws.vpc.flowLogs.enabled: true in the stack file.`, vpc.urn);
        }
      }
    }
    const groups = args.resources.filter((r) => r.type === logGroupType);
    for (const flowLog of flowLogs) {
      if ((flowLog.props.logDestinationType ?? "cloud-watch-logs") !== "cloud-watch-logs") {
        continue;
      }
      const group = groups.find((g) => refersTo(flowLog.props.logDestination, g));
      const retention: unknown = group?.props.retentionInDays;
      if (!group) {
        reportViolation(`Flow log "${flowLog.name}" writes no log group of this stack, so nothing sets how long its records are kept. Fix: point logDestination at a LogGroup the stack declares with retentionInDays.`, flowLog.urn);
      } else if (typeof retention !== "number" || retention === 0 || retention < minRetentionDays) {
        reportViolation(
          `Flow log "${flowLog.name}" writes log group "${group.name}", which keeps records ${typeof retention === "number" && retention > 0 ? `${retention} days` : "forever"}; ` +
            `at least ${minRetentionDays} and a bound are required. Fix: set aws.vpc.flowLogs.retentionDays to ${minRetentionDays} or more.`,
          group.urn,
        );
      }
    }
  },
};
