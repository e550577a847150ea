import { storageEncrypted } from "../../policies/storage-encrypted";
import { objectViolations, resourceViolations } from "../support/policy-review";
import { type TestResource, edit, launchTemplate, rdsInstance, stackKeyArn, storageClass } from "../support/fixtures";

/** The shared model cache as production renders it: encrypted with the stack's EFS key. */
const efs = (): TestResource => ({ type: "aws:efs/fileSystem:FileSystem", name: "flywheel-models", props: { encrypted: true, kmsKeyId: stackKeyArn("efs") } });

const development = { requireCustomerManagedKeys: false };

describe("storage-encrypted", () => {
  it("passes encrypted node volumes, EBS classes, EFS and databases", async () => {
    expect(await resourceViolations(storageEncrypted, launchTemplate())).toEqual([]);
    expect(await objectViolations(storageEncrypted, storageClass())).toEqual([]);
    expect(await resourceViolations(storageEncrypted, efs())).toEqual([]);
    expect(await resourceViolations(storageEncrypted, rdsInstance())).toEqual([]);
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

  it("in production, catches storage on an AWS-managed key", async () => {
    const fix = 'Fix: set data-flywheel:aws.encryption.customerManagedKeys to true (README, "Customer-managed keys").';
    expect(await resourceViolations(storageEncrypted, edit(launchTemplate(), "props.blockDeviceMappings.0.ebs.kmsKeyId", undefined))).toEqual([
      `Launch template "flywheel-gpu-inference" encrypts /dev/xvda with the AWS-managed aws/ebs key (no ebs.kmsKeyId). ${fix}`,
    ]);
    expect(await objectViolations(storageEncrypted, edit(storageClass(), "parameters.kmsKeyId", undefined))).toEqual([
      `StorageClass gp3-encrypted encrypts its volumes with the AWS-managed aws/ebs key (no parameters.kmsKeyId). ${fix}`,
    ]);
    expect(await resourceViolations(storageEncrypted, edit(efs(), "props.kmsKeyId", undefined))).toEqual([
      `EFS file system "flywheel-models" is encrypted with the AWS-managed aws/elasticfilesystem key (no kmsKeyId). ${fix}`,
    ]);
    expect(await resourceViolations(storageEncrypted, edit(rdsInstance(), "props.kmsKeyId", undefined))).toEqual([
      `RDS instance "nemo-postgres" is encrypted with the AWS-managed aws/rds key (no kmsKeyId). ${fix}`,
    ]);
  });

  it("counts an alias of an AWS-managed key as AWS-managed", async () => {
    expect(await resourceViolations(storageEncrypted, edit(rdsInstance(), "props.kmsKeyId", "alias/aws/rds"))).toEqual([expect.stringContaining("AWS-managed aws/rds key")]);
  });

  it("in development, accepts AWS-managed keys but still demands encryption", async () => {
    expect(await resourceViolations(storageEncrypted, edit(launchTemplate(), "props.blockDeviceMappings.0.ebs.kmsKeyId", undefined), development)).toEqual([]);
    expect(await objectViolations(storageEncrypted, edit(storageClass(), "parameters.kmsKeyId", undefined), development)).toEqual([]);
    expect(await resourceViolations(storageEncrypted, edit(efs(), "props.kmsKeyId", undefined), development)).toEqual([]);
    expect(await resourceViolations(storageEncrypted, { type: "aws:rds/instance:Instance", name: "nemo-db", props: {} }, development)).toEqual([
      expect.stringContaining("Fix: set storageEncrypted to true."),
    ]);
  });
});
