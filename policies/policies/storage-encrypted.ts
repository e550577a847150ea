import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, isKind, validateKubernetesObject, validateResourceType } from "../lib/kubernetes";
import { isRecord } from "../lib/values";

interface LaunchTemplateInputs {
  readonly blockDeviceMappings?: readonly { readonly deviceName?: string; readonly ebs?: { readonly encrypted?: string | boolean } }[];
}

/** Provisioners of EBS volumes, which are encrypted only when the StorageClass asks for it. */
const ebsProvisioners = new Set(["ebs.csi.aws.com", "kubernetes.io/aws-ebs"]);

const isTrue = (value: unknown): boolean => value === true || value === "true";

/** AWS resources that hold data at rest, and the input that encrypts them. */
const encryptedFlags: Record<string, { readonly what: string; readonly input: string }> = {
  "aws:ebs/volume:Volume": { what: "EBS volume", input: "encrypted" },
  "aws:efs/fileSystem:FileSystem": { what: "EFS file system", input: "encrypted" },
  "aws:rds/instance:Instance": { what: "RDS instance", input: "storageEncrypted" },
  "aws:rds/cluster:Cluster": { what: "RDS cluster", input: "storageEncrypted" },
};

/**
 * Model weights, training data and production logs end up on node disks, EBS volumes made by the
 * StorageClasses, EFS and databases; each must be encrypted at rest.
 */
export const storageEncrypted: ResourceValidationPolicy = {
  name: "storage-encrypted",
  description:
    "Node root volumes, EBS StorageClasses, EBS volumes, EFS file systems and RDS storage are encrypted at rest. " +
    "Mandatory: they hold production logs, datasets and credentials caches.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set encrypted: \"true\" on launch template EBS mappings and EBS StorageClass parameters, and encrypted/storageEncrypted on volumes, file systems and databases.",
  validateResource: [
    validateResourceType<LaunchTemplateInputs>("aws:ec2/launchTemplate:LaunchTemplate", (template, args, reportViolation) => {
      const mappings = template.blockDeviceMappings ?? [];
      if (mappings.length === 0) {
        reportViolation(
          `Launch template "${args.name}" declares no block device mapping, so the root volume's encryption is whatever the AMI and account default say. ` +
            "Fix: map the root device with ebs { encrypted: \"true\" }.",
        );
      }
      for (const mapping of mappings) {
        if (mapping.ebs && !isTrue(mapping.ebs.encrypted)) {
          reportViolation(
            `Launch template "${args.name}" maps ${mapping.deviceName ?? "a device"} to an unencrypted EBS volume. Fix: set ebs.encrypted to "true".`,
          );
        }
      }
    }),
    (args, reportViolation) => {
      const flag = encryptedFlags[args.type];
      if (flag && !isTrue(args.props[flag.input])) {
        reportViolation(`${flag.what} "${args.name}" is not encrypted at rest. Fix: set ${flag.input} to true.`);
      }
    },
    validateKubernetesObject((object, _args, reportViolation) => {
      if (!isKind(object, "storage.k8s.io", "StorageClass") || !ebsProvisioners.has(String(object.provisioner))) {
        return;
      }
      const parameters = isRecord(object.parameters) ? object.parameters : {};
      if (!isTrue(parameters.encrypted)) {
        reportViolation(
          `${describeObject(object)} provisions EBS volumes without encryption (parameters.encrypted is ${JSON.stringify(parameters.encrypted) ?? "unset"}). ` +
            "Fix: set parameters.encrypted to \"true\" (and kmsKeyId for a customer-managed key).",
        );
      }
    }),
  ],
};
