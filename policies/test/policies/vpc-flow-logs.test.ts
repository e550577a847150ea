import { vpcFlowLogs } from "../../policies/vpc-flow-logs";
import { stackViolations } from "../support/policy-review";
import type { TestResource } from "../support/fixtures";

const vpc: TestResource = { type: "aws:ec2/vpc:Vpc", name: "flywheel-vpc", props: { cidrBlock: "10.50.0.0/16" } };
/** As the offline render records them: the flow log names the VPC by its id and the group by an ARN ending in its name. */
const flowLog: TestResource = {
  type: "aws:ec2/flowLog:FlowLog",
  name: "flywheel-vpc-flow-logs",
  props: { vpcId: "flywheel-vpc-id", logDestinationType: "cloud-watch-logs", logDestination: "arn:aws:cloudwatch:us-east-1:123456789012:flywheel-vpc-flow-logs", trafficType: "ALL" },
};
const logGroup = (retentionInDays?: number): TestResource => ({
  type: "aws:cloudwatch/logGroup:LogGroup",
  name: "flywheel-vpc-flow-logs",
  props: { name: "/aws/vpc/flywheel/flow-logs", ...(retentionInDays === undefined ? {} : { retentionInDays }) },
});

describe("vpc-flow-logs", () => {
  it("passes a VPC whose flow log writes the stack's log group, kept long enough", async () => {
    expect(await stackViolations(vpcFlowLogs, [vpc, flowLog, logGroup(90)])).toEqual([]);
  });

  it("catches a VPC without a flow log where they are required, and not where they are optional", async () => {
    expect(await stackViolations(vpcFlowLogs, [vpc])).toEqual([
      { message: 'VPC "flywheel-vpc" has no flow log. Fix: set aws.vpc.flowLogs.enabled: true in the stack file.', resource: "flywheel-vpc" },
    ]);
    expect(await stackViolations(vpcFlowLogs, [vpc], { required: false })).toEqual([]);
  });

  it("does not count a flow log of another VPC", async () => {
    const other = { ...flowLog, props: { ...flowLog.props, vpcId: "vpc-0123" } };
    expect(await stackViolations(vpcFlowLogs, [vpc, other, logGroup(90)])).toEqual([expect.objectContaining({ resource: "flywheel-vpc" })]);
  });

  it("catches a log group kept too briefly, or forever, whether or not flow logs are required", async () => {
    expect(await stackViolations(vpcFlowLogs, [vpc, flowLog, logGroup(30)], { required: false })).toEqual([
      {
        message:
          'Flow log "flywheel-vpc-flow-logs" writes log group "flywheel-vpc-flow-logs", which keeps records 30 days; at least 90 and a bound are required. ' +
          "Fix: set aws.vpc.flowLogs.retentionDays to 90 or more.",
        resource: "flywheel-vpc-flow-logs",
      },
    ]);
    expect(await stackViolations(vpcFlowLogs, [vpc, flowLog, logGroup()])).toEqual([expect.objectContaining({ message: expect.stringContaining("which keeps records forever") })]);
    expect(await stackViolations(vpcFlowLogs, [vpc, flowLog, logGroup(7)], { minRetentionDays: 7 })).toEqual([]);
  });

  it("catches a flow log to a log group the stack does not declare, and leaves S3 destinations alone", async () => {
    expect(await stackViolations(vpcFlowLogs, [vpc, flowLog])).toEqual([expect.objectContaining({ message: expect.stringContaining("writes no log group of this stack") })]);
    const toS3 = { ...flowLog, props: { ...flowLog.props, logDestinationType: "s3", logDestination: "arn:aws:s3:::acme-flow-logs" } };
    expect(await stackViolations(vpcFlowLogs, [vpc, toS3])).toEqual([]);
  });
});
