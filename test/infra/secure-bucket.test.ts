import { accessLogBucketPolicy } from "../../infra/aws/access-log-bucket";
import { flowLogDeliveryPolicy } from "../../infra/aws/network";
import { tlsOnlyStatement } from "../../infra/aws/secure-bucket";

const arn = "arn:aws:s3:::acme-snapshots";

describe("bucket and flow-log policies", () => {
  it("the TLS-only statement denies everything without TLS, on the bucket and every object", () => {
    expect(tlsOnlyStatement(arn)).toEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "s3:*",
      Resource: [arn, `${arn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("the log bucket lets only S3's log delivery write objects, for this account's buckets, and keeps the TLS deny", () => {
    const { Statement } = accessLogBucketPolicy(arn, "111122223333");
    expect(Statement).toEqual([
      {
        Sid: "S3ServerAccessLogsDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${arn}/*`,
        Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
      },
      tlsOnlyStatement(arn),
    ]);
  });

  it("the flow-log role may write one log group's streams and create nothing else", () => {
    const group = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/vpc/flywheel/flow-logs";
    expect(flowLogDeliveryPolicy(group).Statement).toEqual([
      { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [group, `${group}:*`] },
    ]);
  });
});
