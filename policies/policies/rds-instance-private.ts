import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateResourceType } from "../lib/kubernetes";

interface InstanceInputs {
  readonly identifier?: string;
  readonly publiclyAccessible?: boolean;
}

/** RDS resources that get an endpoint of their own, and so a public DNS name when asked for one. */
const instanceTypes: Record<string, string> = {
  "aws:rds/instance:Instance": "RDS instance",
  "aws:rds/clusterInstance:ClusterInstance": "RDS cluster instance",
};

/**
 * The NeMo database holds every customization, evaluation and dataset record, behind a master
 * password in a cluster Secret: its endpoint must resolve to private addresses only, whatever the
 * security group says today.
 */
export const rdsInstancePrivate: ResourceValidationPolicy = {
  name: "rds-instance-private",
  description:
    "RDS instances (and Aurora cluster instances) are not publicly accessible. " +
    "Mandatory: a public endpoint leaves a password-protected database one security-group edit away from the internet.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Leave publiclyAccessible unset or false; clients reach the database from the VPC.",
  validateResource: Object.entries(instanceTypes).map(([type, what]) =>
    validateResourceType<InstanceInputs>(type, (instance, args, reportViolation) => {
      if (instance.publiclyAccessible === true) {
        reportViolation(`${what} "${instance.identifier ?? args.name}" is publicly accessible. Fix: set publiclyAccessible to false.`);
      }
    }),
  ),
};
