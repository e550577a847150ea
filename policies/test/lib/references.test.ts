import { referencesTo, refersTo } from "../../lib/references";

describe("references between resources", () => {
  const bucket = { name: "platform-data-snapshots", props: { bucket: "acme-snapshots" } };

  it("a reference is a resource's id, ARN or S3 name from a preview, or the offline render's id", () => {
    expect([...referencesTo({ name: "r", props: { id: "vpc-0123", arn: "arn:aws:ec2:::vpc/vpc-0123" } })]).toEqual(["vpc-0123", "arn:aws:ec2:::vpc/vpc-0123", "r-id"]);
    expect(refersTo("acme-snapshots", bucket)).toBe(true);
    expect(refersTo("platform-data-snapshots-id", bucket)).toBe(true);
  });

  it("an offline-render ARN refers to the resource it ends in, and nothing else matches", () => {
    expect(refersTo("arn:aws:cloudwatch:us-east-1:123456789012:platform-data-snapshots", bucket)).toBe(true);
    expect(refersTo("arn:aws:cloudwatch:us-east-1:123456789012:other", bucket)).toBe(false);
    expect(refersTo("platform-data-snapshots", bucket)).toBe(false);
    expect(refersTo(undefined, bucket)).toBe(false);
  });
});
