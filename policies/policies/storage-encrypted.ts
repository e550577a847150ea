import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { describeObject, isKind, validateKubernetesObject, validateResourceType } from "../lib/kubernetes";
import { isRecord } from "../lib/values";

export interface StorageEncryptedConfig {
  /**
   * Each must name a customer-managed KMS key (`kmsKeyId`): the stack's own key, whose key policy
   * says who may use it, instead of the account's AWS-managed `aws/ebs`, `aws/rds`, ….
   */
  readonly requireCustomerManagedKeys: boolean;
}

export const storageEncryptedDefaults: StorageEncryptedConfig = { requireCustomerManagedKeys: true };

interface LaunchTemplateInputs {
  readonly blockDeviceMappings?: readonly { readonly deviceName?: string; readonly ebs?: { readonly encrypted?: string | boolean; readonly kmsKeyId?: string } }[];
}

/** Provisioners of EBS volumes, which are encrypted only when the StorageClass asks for it. */
const ebsProvisioners = new Set(["ebs.csi.aws.com", "kubernetes.io/aws-ebs"]);

const isTrue = (value: unknown): boolean => value === true || value === "true";

/** AWS resources that hold data at rest, and the input that encrypts them. */
const encryptedFlags: Record<string, { readonly what: string; readonly input: string; readonly awsManagedKey: string }> = {
  "aws:ebs/volume:Volume": { what: "EBS volume", input: "encrypted", awsManagedKey: "aws/ebs" },
  "aws:efs/fileSystem:FileSystem": { what: "EFS file system", input: "encrypted", awsManagedKey: "aws/elasticfilesystem" },
  "aws:rds/instance:Instance": { what: "RDS instance", input: "storageEncrypted", awsManagedKey: "aws/rds" },
  "aws:rds/cluster:Cluster": { what: "RDS cluster", input: "storageEncrypted", awsManagedKey: "aws/rds" },
};

/** A `kmsKeyId` that names a key the stack chose; an `alias/aws/…` name is an AWS-managed key. */
const namesCustomerKey = (value: unknown): boolean => typeof value === "string" && value !== "" && !value.startsWith("alias/aws/");

const keyFix = "Fix: set data-flywheel:aws.encryption.customerManagedKeys to true (README, \"Customer-managed keys\").";

/**
 * Model weights, training data and production logs end up on node disks, EBS volumes made by the
 * StorageClasses, EFS and databases; each must be encrypted at rest.
 */
export const storageEncrypted: ResourceValidationPolicy = {
  name: "storage-encrypted",
  description:
    "Node root volumes, EBS StorageClasses, EBS volumes, EFS file systems and RDS storage are encrypted at rest, " +
    "with a customer-managed KMS key (config requireCustomerManagedKeys; off in development). " +
    "Mandatory: they hold production logs, datasets and credentials caches.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set encrypted: \"true\" on launch template EBS mappings and EBS StorageClass parameters, and encrypted/storageEncrypted on volumes, file systems and databases; " +
    "for customer-managed keys set data-flywheel:aws.encryption.customerManagedKeys to true.",
  configSchema: {
    properties: {
      requireCustomerManagedKeys: {
        type: "boolean",
        default: storageEncryptedDefaults.requireCustomerManagedKeys,
        description: "Encrypted storage must name a customer-managed KMS key (kmsKeyId), not the AWS-managed one.",
      },
    },
  },
  validateResource: [
    validateResourceType<LaunchTemplateInputs>("aws:ec2/launchTemplate:LaunchTemplate", (template, args, reportViolation) => {
      const mappings = template.blockDeviceMappings ?? [];
      if (mappings.length === 0) {
        reportViolation(
          `Launch template "${args.name}" declares no block device mapping, so the root volume's encryption is whatever the AMI and account default say. ` +
            "Fix: map the root device with ebs { encrypted: \"true\" }.",
        );
      }
      const { requireCustomerManagedKeys } = policyConfig(args, storageEncryptedDefaults);
      for (const mapping of mappings) {
        if (mapping.ebs && !isTrue(mapping.ebs.encrypted)) {
          reportViolation(
            `Launch template "${args.name}" maps ${mapping.deviceName ?? "a device"} to an unencrypted EBS volume. Fix: set ebs.encrypted to "true".`,
          );
        } else if (mapping.ebs && requireCustomerManagedKeys && !namesCustomerKey(mapping.ebs.kmsKeyId)) {
          reportViolation(`Launch template "${args.name}" encrypts ${mapping.deviceName ?? "a device"} with the AWS-managed aws/ebs key (no ebs.kmsKeyId). ${keyFix}`);
        }
      }
    }),
    (args, reportViolation) => {
      const flag = encryptedFlags[args.type];
      if (!flag) {
        return;
      }
      if (!isTrue(args.props[flag.input])) {
        reportViolation(`${flag.what} "${args.name}" is not encrypted at rest. Fix: set ${flag.input} to true.`);
      } else if (policyConfig(args, storageEncryptedDefaults).requireCustomerManagedKeys && !namesCustomerKey(args.props.kmsKeyId)) {
        reportViolation(`${flag.what} "${args.name}" is encrypted with the AWS-managed ${flag.awsManagedKey} key (no kmsKeyId). ${keyFix}`);
      }
    },
    validateKubernetesObject((object, args, reportViolation) => {
      if (!isKind(object, "storage.k8s.io", "StorageClass") || !ebsProvisioners.has(String(object.provisioner))) {
        return;
      }
      const parameters = isRecord(object.parameters) ? object.parameters : {};
      if (!isTrue(parameters.encrypted)) {
        reportViolation(
          `${describeObject(object)} provisions EBS volumes without encryption (parameters.encrypted is ${JSON.stringify(parameters.encrypted) ?? "unset"}). ` +
            "Fix: set parameters.encrypted to \"true\" (and kmsKeyId for a customer-managed key).",
        );
      } else if (policyConfig(args, storageEncryptedDefaults).requireCustomerManagedKeys && !namesCustomerKey(parameters.kmsKeyId)) {
        reportViolation(`${describeObject(object)} encrypts its volumes with the AWS-managed aws/ebs key (no parameters.kmsKeyId). ${keyFix}`);
      }
    }),
  ],
};
