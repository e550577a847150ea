import type * as pulumi from "@pulumi/pulumi";
import { GpuCluster } from "../infra/aws/gpu-cluster";
import { RdsPostgres } from "../infra/aws/rds-postgres";
import { secretsManagerValue } from "../infra/aws/secrets-manager-value";
import { StackKeys } from "../infra/aws/stack-keys";
import type { ClusterTarget } from "../infra/cluster-target";
import { ExistingCluster } from "../infra/kubernetes/existing-cluster";
import { FlywheelPlatform } from "../infra/platform/flywheel-platform";
import type { StackConfig } from "./config/load";
import { privateNetworks } from "./config/schema/existing-cluster";
import { versions } from "./config/versions";

/** What `pulumi stack output` shows. */
export type StackOutputs = Record<string, pulumi.Input<unknown>>;

interface DeclaredCluster {
  readonly cluster: ClusterTarget;
  readonly outputs: StackOutputs;
  /** RDS for the NeMo services' databases, when the stack asks for it. */
  readonly postgres?: RdsPostgres;
}

function declareCluster(config: StackConfig, tags: Record<string, string>): DeclaredCluster {
  if (config.cloud === "aws") {
    const aws = config.aws;
    const k8sVersion = aws.cluster.kubernetesVersion;
    const clusterName = `${config.project}-${config.stack}`;
    const keys = aws.encryption.customerManagedKeys ? new StackKeys("flywheel-keys", { clusterName, region: config.region, tags }).arns : undefined;
    const cluster = new GpuCluster("flywheel", {
      clusterName,
      region: config.region,
      kubernetesVersion: k8sVersion,
      vpc: aws.vpc,
      endpoint: aws.cluster.endpoint,
      secretsEncryption: aws.cluster.secretsEncryption,
      controlPlaneLogTypes: aws.cluster.controlPlaneLogTypes,
      adminRoleArns: aws.cluster.adminRoleArns,
      ciRoleArns: aws.cluster.ciRoleArns,
      nodeSsmAccess: aws.cluster.nodeSsmAccess,
      systemNodes: aws.systemNodes,
      gpuNodePools: aws.gpuNodePools,
      addonVersions: { ...versions.eks[k8sVersion].addons, ...aws.cluster.addonVersions },
      clusterAutoscaler: { chart: versions.charts.clusterAutoscaler, imageTag: versions.eks[k8sVersion].clusterAutoscalerImageTag },
      retainDataVolumes: config.environment === "production",
      // EKS Pod Identity, which the External Secrets Operator reads AWS Secrets Manager with.
      podIdentityAgent: config.credentials.source === "aws-secrets-manager",
      ...(keys ? { kmsKeyArns: keys } : {}),
      ...(aws.backups.enabled ? { volumeBackups: { retentionDays: aws.backups.retentionDays, schedule: aws.backups.schedule } } : {}),
      tags,
    });
    const rds = config.platform.postgres.rds;
    const postgres = rds
      ? new RdsPostgres("nemo-postgres", {
          vpcId: cluster.network.vpcId,
          clientSecurityGroupId: cluster.clusterSecurityGroupId,
          subnetIds: cluster.network.privateSubnetIds,
          subnetCidrs: cluster.network.privateSubnetCidrs,
          instanceClass: rds.instanceClass,
          engineVersion: rds.engineVersion,
          allocatedStorageGiB: rds.allocatedStorageGiB,
          multiAz: rds.multiAz,
          backupRetentionDays: rds.backupRetentionDays,
          production: config.environment === "production",
          kmsKeyArn: keys?.rds,
          tags,
        })
      : undefined;
    return { cluster, postgres, outputs: { clusterName: cluster.clusterName, kubeconfig: cluster.kubeconfig } };
  }
  const existing = config.existingCluster;
  const cluster = new ExistingCluster("flywheel", {
    context: existing?.context,
    storage: {
      storageClass: existing?.storageClass,
      durableStorageClass: existing?.storageClass,
      sharedStorageClass: existing?.sharedStorageClass,
      sharedAccessMode: existing?.sharedStorageAccessMode ?? "ReadWriteMany",
    },
    apiServerPorts: existing?.apiServerPorts ?? [443, 6443],
    gpuPools: (existing?.gpuPools ?? []).map((p) => ({ name: p.name, role: p.role, gpuProduct: p.gpuProduct, gpusPerNode: p.gpusPerNode })),
  });
  return { cluster, outputs: {} };
}

/** Declares everything a stack deploys. The config has been validated; nothing here re-checks it. */
export function defineStack(config: StackConfig): StackOutputs {
  const tags = { project: config.project, stack: config.stack, environment: config.environment, "managed-by": "pulumi" };
  const { cluster, outputs, postgres } = declareCluster(config, tags);
  const platform = new FlywheelPlatform("platform", {
    cluster,
    versions,
    settings: config.platform,
    models: config.models,
    ...(config.serving.length > 0 && config.jobImage ? { serving: { entries: config.serving, stack: config.stack, verifyImage: config.jobImage } } : {}),
    ...(config.schedules ? { schedules: config.schedules } : {}),
    ...(config.jobImage ? { verifyPlatform: { stack: config.stack, image: config.jobImage } } : {}),
    ...(config.flywheel.api.enabled && config.jobImage
      ? { flywheelApi: { image: config.jobImage, settings: config.flywheel.api, startTimeoutMinutes: config.flywheel.startTimeoutMinutes } }
      : {}),
    ...(config.flywheel.gpuHourlyCost !== undefined ? { gpuHourlyCost: config.flywheel.gpuHourlyCost } : {}),
    production: config.environment === "production",
    credentials: config.credentials,
    ngcChartRepositoryKey: config.credentials.source === "pulumi" ? config.credentials.values.ngcApiKey : secretsManagerValue(config.credentials.names.ngcApiKey),
    externalPostgres: postgres && { address: postgres.address, cidrs: postgres.subnetCidrs, adminUsername: postgres.masterUsername, adminPassword: postgres.masterPassword },
    controlPlaneCidrs: config.cloud === "aws" ? [config.aws.vpc.cidr] : (config.existingCluster?.controlPlaneCidrs ?? privateNetworks),
    tags,
  });
  // The Flywheel API: its in-cluster URL, the `<namespace>/<name>` of its token Secrets, its Ingress URL when set.
  return { ...outputs, ...platform.endpoints, ...(platform.flywheelApi ? { flywheelApi: platform.flywheelApi } : {}) };
}
