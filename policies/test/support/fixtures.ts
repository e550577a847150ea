import { stringify } from "yaml";
import {
  annotationKeys,
  flywheelScheduleContract,
  gpuNodeSelector,
  gpuRoleLabel,
  gpuToleration,
  labelKeys,
  mountedConfigPath,
  nodePoolLabel,
  servingAnnotationKeys,
  servingModelComponent,
} from "../../../flywheel-job/src/contract";
import type { KeyPurpose } from "../../../infra/aws/key-policies";
import { kubernetesType } from "../../lib/kubernetes";
import type { KubernetesObject } from "../../lib/kubernetes-object";

/**
 * Compliant fixtures, shaped like what the stacks render: each passes every policy, and a test
 * breaks one field of a copy (`edit`) to see the right policy object.
 */

/** A resource as a test declares it: a Pulumi type, inputs and a name. */
export interface TestResource {
  readonly type: string;
  readonly props: Record<string, unknown>;
  /** @default "test" */
  readonly name?: string;
}

/** A Kubernetes object as the resource a preview would hand the pack, named after the object. */
export function kubernetesResource(object: KubernetesObject): TestResource {
  return { type: kubernetesType(object.apiVersion, object.kind), props: object, name: object.metadata.name };
}

/**
 * A deep copy of `value` with the field at `path` (`spec.containers.0.image`) set to `replacement`,
 * or removed when `replacement` is undefined. Fixtures stay untouched.
 */
export function edit<T>(value: T, path: string, replacement: unknown): T {
  const copy = structuredClone(value);
  const keys = path.split(".");
  let target: unknown = copy;
  keys.slice(0, -1).forEach((key, i) => {
    const container = target as Record<string, unknown>;
    if (container[key] === undefined) {
      container[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    }
    target = container[key];
  });
  const last = keys[keys.length - 1];
  const container = target as Record<string, unknown>;
  if (replacement === undefined) {
    if (Array.isArray(container)) {
      container.splice(Number(last), 1);
    } else {
      delete container[last];
    }
  } else {
    container[last] = replacement;
  }
  return copy;
}

const tags = { project: "data-flywheel", stack: "prod", environment: "production", "managed-by": "pulumi" };

export function gpuNodeGroup(): TestResource {
  return {
    type: "aws:eks/nodeGroup:NodeGroup",
    name: "flywheel-gpu-inference",
    props: {
      amiType: "AL2023_x86_64_NVIDIA",
      capacityType: "ON_DEMAND",
      clusterName: "data-flywheel-prod",
      instanceTypes: ["g6e.2xlarge"],
      labels: { [gpuRoleLabel]: "inference", [nodePoolLabel]: "inference", "nvidia.com/gpu.product": "NVIDIA-L40S" },
      launchTemplate: { id: "lt-0123", version: "1" },
      scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 6 },
      taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }],
      tags,
    },
  };
}

export function systemNodeGroup(): TestResource {
  return {
    type: "aws:eks/nodeGroup:NodeGroup",
    name: "flywheel-system-us-east-1a",
    props: {
      amiType: "AL2023_x86_64_STANDARD",
      instanceTypes: ["m6i.2xlarge"],
      labels: { [nodePoolLabel]: "system" },
      launchTemplate: { id: "lt-0456", version: "1" },
      taints: [],
    },
  };
}

/** The ARN of one of the production stack's own KMS keys (StackKeys), as a resource's kmsKeyId names it. */
export function stackKeyArn(purpose: KeyPurpose): string {
  return `arn:aws:kms:us-east-1:111122223333:key/flywheel-keys-${purpose}`;
}

export function launchTemplate(): TestResource {
  return {
    type: "aws:ec2/launchTemplate:LaunchTemplate",
    name: "flywheel-gpu-inference",
    props: {
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 300, volumeType: "gp3", encrypted: "true", kmsKeyId: stackKeyArn("ebs"), deleteOnTermination: "true" } }],
    },
  };
}

/** The production NeMo database as the stack renders it: private, encrypted, Multi-AZ, 7 days of backups. */
export function rdsInstance(): TestResource {
  return {
    type: "aws:rds/instance:Instance",
    name: "nemo-postgres",
    props: { engine: "postgres", engineVersion: "16", publiclyAccessible: false, storageEncrypted: true, kmsKeyId: stackKeyArn("rds"), backupRetentionPeriod: 7, multiAz: true, deletionProtection: true },
  };
}

export function eksCluster(): TestResource {
  return {
    type: "aws:eks/cluster:Cluster",
    name: "flywheel",
    props: {
      name: "data-flywheel-prod",
      version: "1.34",
      vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false, subnetIds: ["subnet-a", "subnet-b", "subnet-c"] },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/flywheel" } },
      enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    },
  };
}

export function helmRelease(): TestResource {
  return {
    type: "kubernetes:helm.sh/v3:Release",
    name: "flywheel-autoscaler",
    props: {
      name: "cluster-autoscaler",
      namespace: "kube-system",
      chart: "cluster-autoscaler",
      version: "9.59.0",
      repositoryOpts: { repo: "https://kubernetes.github.io/autoscaler" },
      values: {
        image: { tag: "v1.34.5" },
        securityContext: { runAsNonRoot: true, runAsUser: 65534 },
        containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
      },
    },
  };
}

const resources = { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } };
const podSecurity = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } };
const containerSecurity = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

/** The flywheel's scheduled run, as the FlywheelSchedule construct shapes it. */
export function flywheelCronJob(): KubernetesObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "flywheel-support-agent", namespace: "flywheel" },
    spec: {
      schedule: "0 3 * * *",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      jobTemplate: {
        spec: {
          activeDeadlineSeconds: 43200,
          backoffLimit: 2,
          ttlSecondsAfterFinished: 86400,
          template: {
            spec: {
              restartPolicy: "Never",
              serviceAccountName: "flywheel-job",
              securityContext: podSecurity,
              nodeSelector: { [nodePoolLabel]: "system" },
              containers: [
                {
                  name: "flywheel",
                  image: "ghcr.io/example/flywheel-job@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
                  args: ["run", "--config", "/etc/flywheel/config.yaml"],
                  env: [
                    { name: "FLYWHEEL_WORKLOAD_ID", value: "support-agent" },
                    { name: "ELASTICSEARCH_PASSWORD", valueFrom: { secretKeyRef: { name: "flywheel-es-reader", key: "password" } } },
                    { name: "NGC_API_KEY", valueFrom: { secretKeyRef: { name: "ngc-api", key: "NGC_API_KEY" } } },
                  ],
                  resources,
                  securityContext: containerSecurity,
                },
              ],
            },
          },
        },
      },
    },
  };
}

export function cpuDeployment(): KubernetesObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "mlflow-proxy", namespace: "nemo" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "mlflow-proxy" } },
      template: {
        metadata: { labels: { app: "mlflow-proxy" } },
        spec: {
          securityContext: podSecurity,
          containers: [{ name: "proxy", image: "nvcr.io/nvidia/example-proxy:1.2.3", resources, securityContext: containerSecurity }],
        },
      },
    },
  };
}

/** A GPU inference NIM, as the platform's NIM constructs shape it. */
export function nimService(): KubernetesObject {
  return {
    apiVersion: "apps.nvidia.com/v1alpha1",
    kind: "NIMService",
    metadata: { name: "llm-judge", namespace: "flywheel" },
    spec: {
      image: { repository: "nvcr.io/nim/meta/llama-3.3-70b-instruct", tag: "1.8.5", pullSecrets: ["nvcr-pull"] },
      authSecret: "ngc-api",
      storage: { nimCache: { name: "llm-judge", profile: "" } },
      replicas: 1,
      resources: { requests: { cpu: "4", memory: "32Gi" }, limits: { cpu: "8", memory: "64Gi", "nvidia.com/gpu": 1 } },
      tolerations: [gpuToleration()],
      nodeSelector: gpuNodeSelector("inference"),
      env: [{ name: "NIM_GUIDED_DECODING_BACKEND", value: "fast_outlines" }],
      expose: { service: { type: "ClusterIP", port: 8000 } },
    },
  };
}

/** A model cache, filled by a CPU job. */
export function nimCache(): KubernetesObject {
  return {
    apiVersion: "apps.nvidia.com/v1alpha1",
    kind: "NIMCache",
    metadata: { name: "llm-judge", namespace: "flywheel" },
    spec: {
      source: { ngc: { modelPuller: "nvcr.io/nim/meta/llama-3.3-70b-instruct:1.8.5", authSecret: "ngc-api", pullSecret: "nvcr-pull", model: { profiles: ["tensorrt_llm-l40s-fp8-tp2-throughput"] } } },
      storage: { pvc: { create: true, size: "200Gi", storageClass: "efs-shared", volumeAccessMode: "ReadWriteMany" } },
      resources: { cpu: "2", memory: "8Gi" },
      nodeSelector: { [nodePoolLabel]: "system" },
    },
  };
}

export function configMap(data: Record<string, string>): KubernetesObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "flywheel-config", namespace: "flywheel" }, data };
}

export function storageClass(): KubernetesObject {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "gp3-encrypted" },
    provisioner: "ebs.csi.aws.com",
    parameters: { type: "gp3", encrypted: "true", kmsKeyId: stackKeyArn("ebs"), "csi.storage.k8s.io/fstype": "ext4" },
    reclaimPolicy: "Retain",
    volumeBindingMode: "WaitForFirstConsumer",
  };
}

export function elasticsearch(nodes: number): KubernetesObject {
  return {
    apiVersion: "elasticsearch.k8s.elastic.co/v1",
    kind: "Elasticsearch",
    metadata: { name: "flywheel-logs", namespace: "data" },
    spec: {
      version: "8.19.4",
      nodeSets: [
        {
          name: "default",
          count: nodes,
          volumeClaimTemplates: [
            {
              metadata: { name: "elasticsearch-data" },
              spec: { accessModes: ["ReadWriteOnce"], storageClassName: "gp3-encrypted", resources: { requests: { storage: "200Gi" } } },
            },
          ],
        },
      ],
    },
  };
}

export function mongodb(members: number): KubernetesObject {
  return {
    apiVersion: "mongodbcommunity.mongodb.com/v1",
    kind: "MongoDBCommunity",
    metadata: { name: "flywheel-db", namespace: "data" },
    spec: { members, type: "ReplicaSet", version: "8.0.12", security: { authentication: { modes: ["SCRAM"] } } },
  };
}

/** The project's own Redis: redis.conf (with its password) from a Secret, AOF on a claim. */
export function redis(): KubernetesObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "redis", namespace: "data" },
    spec: {
      serviceName: "redis",
      replicas: 1,
      selector: { matchLabels: { app: "redis" } },
      template: {
        metadata: { labels: { app: "redis" } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "redis",
              image: "redis:7.4.5",
              args: ["/etc/redis/redis.conf", "--appendonly", "yes"],
              env: [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: "redis-auth", key: "password" } } }],
              volumeMounts: [
                { name: "data", mountPath: "/data" },
                { name: "config", mountPath: "/etc/redis" },
              ],
              resources,
              securityContext: containerSecurity,
            },
          ],
          volumes: [{ name: "config", secret: { secretName: "redis-config" } }],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } } }],
    },
  };
}

/** A namespace as the platform creates it: Pod Security enforced at `level`, warned and audited at restricted. */
export function namespace(name: string, level = "baseline"): KubernetesObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: { "pod-security.kubernetes.io/enforce": level, "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted" },
    },
  };
}

export function defaultDeny(namespace: string): KubernetesObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "default-deny", namespace },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
  };
}

/** A copy of a serving NIMService with one of its serving annotations set, or removed when `value` is undefined (annotation keys have dots, which `edit` splits on). */
export function annotated(object: KubernetesObject, key: keyof typeof servingAnnotationKeys, value: string | undefined): KubernetesObject {
  const { [servingAnnotationKeys[key]]: _replaced, ...others } = object.metadata.annotations ?? {};
  return { ...structuredClone(object), metadata: { ...object.metadata, annotations: value === undefined ? others : { ...others, [servingAnnotationKeys[key]]: value } } };
}

/** The targets of the fixtures' workload (`workloadSchedule`), which `servingNimService`'s evidence records. */
export const workloadTargets = { function_name_accuracy: 0.9, tool_calling_correctness: 0.8 };

/** The evidence `flywheel promote` records for a serving entry, as its annotation carries it. */
export function promotedFrom(): Record<string, unknown> {
  return {
    runId: "65a1b2c3d4e5f60718293a4b",
    workloadId: "support-agent",
    clientId: "acme",
    evalType: "base-eval",
    scores: { function_name_accuracy: 0.95, tool_calling_correctness: 0.84 },
    targets: { ...workloadTargets },
    at: "2026-12-01T10:00:00Z",
  };
}

/** A `data-flywheel:serving` entry that serves, as the stack renders it: scaled by its HPA from 2 to 3 replicas, with its evidence. */
export function servingNimService(): KubernetesObject {
  const nim = edit(nimService(), "spec.replicas", undefined);
  return {
    ...nim,
    metadata: {
      name: "support-agent",
      namespace: "serving",
      labels: { [labelKeys.component]: servingModelComponent },
      annotations: {
        [servingAnnotationKeys.promotedFrom]: JSON.stringify(promotedFrom()),
        [servingAnnotationKeys.replicas]: JSON.stringify({ min: 2, max: 3 }),
      },
    },
    spec: {
      ...(nim.spec as Record<string, unknown>),
      image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.12.0", pullSecrets: ["nvcr-pull"] },
      storage: { nimCache: { name: "support-agent", profile: "" } },
      // The operator labels the pods with these too.
      labels: { [labelKeys.component]: servingModelComponent },
      scale: { enabled: true, hpa: { minReplicas: 2, maxReplicas: 3, metrics: [] } },
    },
  };
}

/** A workload's scheduled run, as FlywheelSchedule shapes it: the CronJob with its pair and the job configuration it mounts. */
export function workloadSchedule(targets: Record<string, number> = workloadTargets): KubernetesObject[] {
  const name = "flywheel-support-agent-acme";
  const configMap: KubernetesObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${name}-config`, namespace: "flywheel" },
    data: { "config.yaml": stringify({ clientId: "acme", targets, workloadId: "support-agent" }, { sortMapEntries: true }) },
  };
  const cronJob = edit(flywheelCronJob(), "metadata", {
    name,
    namespace: "flywheel",
    labels: { [labelKeys.component]: flywheelScheduleContract.component },
    annotations: { [annotationKeys.workload]: "support-agent", [annotationKeys.client]: "acme" },
  });
  const pod = "spec.jobTemplate.spec.template.spec";
  const mounted = edit(
    edit(cronJob, `${pod}.containers.0.volumeMounts`, [{ name: "config", mountPath: mountedConfigPath, subPath: "config.yaml", readOnly: true }]),
    `${pod}.volumes`,
    [{ name: "config", configMap: { name: `${name}-config` } }],
  );
  return [mounted, configMap];
}
