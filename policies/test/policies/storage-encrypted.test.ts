import { storageEncrypted } from "../../policies/storage-encrypted";
import { objectViolations, resourceViolations } from "../support/policy-review";
import { edit, launchTemplate, storageClass } from "../support/fixtures";

describe("storage-encrypted", () => {
  it("passes encrypted node volumes, EBS classes, EFS and databases", async () => {
    expect(await resourceViolations(storageEncrypted, launchTemplate())).toEqual([]);
    expect(await objectViolations(storageEncrypted, storageClass())).toEqual([]);
    expect(await resourceViolations(storageEncrypted, { type: "aws:efs/fileSystem:FileSystem", name: "flywheel-models", props: { encrypted: true } })).toEqual([]);
    expect(await resourceViolations(storageEncrypted, { type: "aws:rds/instance:Instance", name: "nemo-db", props: { storageEncrypted: true } })).toEqual([]);
  });

  it("catches an unencrypted node root volume, or none declared", async () => {
    expect(await resourceViolations(storageEncrypted, edit(launchTemplate(), "props.blockDeviceMappings.0.ebs.encrypted", "false"))).toEqual([
      'Launch template "flywheel-gpu-inference" maps /dev/xvda to an unencrypted EBS volume. Fix: set ebs.encrypted to "true".',
    ]);
    expect(await resourceViolations(storageEncrypted, edit(launchTemplate(), "props.blockDeviceMappings", undefined))).toEqual([
      expect.stringContaining("declares no block device mapping"),
    ]);
  });

  it("catches an EBS StorageClass without encryption", async () => {
    expect(await objectViolations(storageEncrypted, edit(storageClass(), "parameters.encrypted", undefined))).toEqual([
      'StorageClass gp3-encrypted provisions EBS volumes without encryption (parameters.encrypted is unset). Fix: set parameters.encrypted to "true" (and kmsKeyId for a customer-managed key).',
    ]);
  });

  it("leaves classes of other provisioners alone (EFS encrypts the file system itself)", async () => {
    const efs = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "efs-shared" }, provisioner: "efs.csi.aws.com", parameters: { provisioningMode: "efs-ap" } };
    expect(await objectViolations(storageEncrypted, efs)).toEqual([]);
  });

  it("catches unencrypted EFS, EBS and RDS storage", async () => {
    expect(await resourceViolations(storageEncrypted, { type: "aws:efs/fileSystem:FileSystem", name: "flywheel-models", props: {} })).toEqual([
      'EFS file system "flywheel-models" is not encrypted at rest. Fix: set encrypted to true.',
    ]);
    expect(await resourceViolations(storageEncrypted, { type: "aws:ebs/volume:Volume", name: "scratch", props: { encrypted: false } })).toEqual([
      expect.stringContaining('EBS volume "scratch" is not encrypted'),
    ]);
    expect(await resourceViolations(storageEncrypted, { type: "aws:rds/cluster:Cluster", name: "nemo-db", props: {} })).toEqual([
      expect.stringContaining("Fix: set storageEncrypted to true."),
    ]);
  });
});
