import { Construct } from "constructs";
import {
  Elasticsearch,
  ElasticsearchSpecNodeSetsPodTemplateSpecContainersResourcesLimits as ContainerLimit,
  ElasticsearchSpecNodeSetsPodTemplateSpecContainersResourcesRequests as ContainerRequest,
  ElasticsearchSpecNodeSetsVolumeClaimTemplatesSpecResourcesRequests as ClaimRequest,
  type ElasticsearchSpecNodeSets,
  type ElasticsearchSpecNodeSetsPodTemplateSpec,
  type ElasticsearchSpecNodeSetsPodTemplateSpecContainersEnv,
} from "../../imports/eck-v3.5.0/elasticsearch.k8s.elastic.co";
import { type ComputeResources, toQuantities, validateComputeResources } from "../../common/compute-resources";
import { fail, resourceLabel } from "../../common/errors";
import { validateInteger } from "../../common/integers";
import { standardLabels, validateNodeSelector } from "../../common/labels";
import { validateLabelName, validateNamespace, validateObjectName } from "../../common/names";
import { parseQuantity } from "../../common/quantities";
import { type PersistentStorage, validateStorage } from "../../common/storage";
import { dataServiceDefaults } from "../versions";

/** Elasticsearch's port for HTTP clients. */
export const elasticsearchHttpPort = 9200;

/**
 * IAM roles for service accounts (IRSA) for the S3 snapshot repository. The IAM role must trust
 * the cluster's OIDC provider for `system:serviceaccount:<namespace>:<serviceAccountName>` with
 * audience `sts.amazonaws.com`, and allow the S3 actions on the snapshot bucket.
 */
export interface ElasticsearchS3SnapshotAccess {
  /** Service account the Elasticsearch pods run as (annotated with the role by Pulumi). */
  readonly serviceAccountName: string;
  /**
   * ConfigMap (in the cluster's namespace) whose key holds the ARN of the IAM role the pods assume.
   * A reference rather than the ARN itself: the role is created in the same deployment, so its ARN
   * is not known when the manifest is written.
   */
  readonly roleArnConfigMap: { readonly name: string; readonly key: string };
  /**
   * AWS region, for the regional STS endpoint.
   * @default - the global STS endpoint
   */
  readonly region?: string;
}

export interface ElasticsearchClusterProps {
  /** Name of the `Elasticsearch` resource (at most 36 characters: ECK derives longer names from it). */
  readonly name: string;
  /** Namespace of the cluster, its Secrets and its consumers' bootstrap Job. */
  readonly namespace: string;
  /**
   * Elasticsearch version, `8.x.y`.
   * @default dataServiceDefaults.elasticsearchVersion
   */
  readonly version?: string;
  /**
   * Number of nodes (each master-eligible and data).
   * @default 1
   */
  readonly nodeCount?: number;
  /**
   * Production topology: at least 3 nodes, on different hosts (required anti-affinity) and spread
   * over zones with shard allocation awareness.
   * @default false
   */
  readonly highAvailability?: boolean;
  /**
   * Spread nodes evenly over `topology.kubernetes.io/zone` and keep shard copies in different zones
   * (ECK zone awareness). Needs nodes labelled with their zone.
   * @default - same as highAvailability
   */
  readonly zoneAwareness?: boolean;
  /**
   * Data volume of each node.
   * @default { size: "20Gi" }
   */
  readonly storage?: PersistentStorage;
  /**
   * CPU and memory of each node.
   * @default requests 500m / 2Gi, limits 2 / 2Gi
   */
  readonly resources?: ComputeResources;
  /**
   * JVM heap (`-Xms`/`-Xmx`) in JVM units, such as `1g` or `768m`; at most half the memory limit
   * (the rest is off-heap memory and filesystem cache).
   * @default - Elasticsearch sizes the heap from the container's memory limit
   */
  readonly jvmHeap?: string;
  /**
   * Secret (in `namespace`) with the HTTP certificate: `tls.crt`, `tls.key` and `ca.crt`, issued for
   * `ElasticsearchCluster.httpCertificateDnsNames(name, namespace)` by a CA every consumer trusts.
   */
  readonly httpTlsSecretName: string;
  /**
   * File-realm users: Secrets of type `kubernetes.io/basic-auth` with keys `username`, `password`
   * and `roles` (comma-separated role names, see `logStoreRoles`).
   */
  readonly fileRealmSecretNames: readonly string[];
  /** Secrets with the `roles.yml` defining the users' roles (see `logStoreRolesYaml`). */
  readonly rolesSecretNames: readonly string[];
  /**
   * S3 snapshot repository access through IRSA.
   * @default - no snapshot access
   */
  readonly snapshots?: ElasticsearchS3SnapshotAccess;
  /**
   * Node labels the Elasticsearch pods must run on.
   * @default - any node
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

/** What a client of the cluster (such as the bootstrap Job) needs to reach it. */
export interface ElasticsearchEndpoint {
  readonly namespace: string;
  /** In-cluster HTTPS URL. */
  readonly url: string;
  readonly nodeCount: number;
  /** ECK's Secret with the `elastic` superuser's password (key `elastic`). */
  readonly elasticUserSecretName: string;
  /** ECK's Secret with the HTTP certificate and its CA (keys `tls.crt`, `ca.crt`). */
  readonly publicCertificatesSecretName: string;
}

const defaultResources: ComputeResources = { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } };

// ECK runs with a read-only root filesystem only when the data claim has its default name.
const dataVolumeName = "elasticsearch-data";
const nodeSetName = "default";
// The S3 repository reads the web identity token only from its own config directory
// (elastic/elasticsearch#81255): the token is projected straight to that path.
const s3ConfigDir = "/usr/share/elasticsearch/config/repository-s3";
const webIdentityTokenFile = "aws-web-identity-token-file";

/**
 * An Elasticsearch 8 cluster run by ECK: persistent data volumes, HTTPS with a certificate from a
 * CA Pulumi generates, least-privilege file-realm users, and optionally S3 snapshots through IRSA.
 */
export class ElasticsearchCluster extends Construct implements ElasticsearchEndpoint {
  /** The DNS names the HTTP certificate must cover. */
  static httpCertificateDnsNames(name: string, namespace: string): string[] {
    const service = `${name}-es-http`;
    return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
  }

  readonly name: string;
  readonly namespace: string;
  readonly nodeCount: number;
  /** The ClusterIP Service of the HTTP layer. */
  readonly httpServiceName: string;
  /** `https://<name>-es-http.<namespace>.svc:9200`. */
  readonly url: string;
  readonly elasticUserSecretName: string;
  /** Key of the password in `elasticUserSecretName`. */
  readonly elasticUserSecretKey = "elastic";
  readonly publicCertificatesSecretName: string;
  /** The `Elasticsearch` resource. */
  readonly resource: Elasticsearch;

  constructor(scope: Construct, id: string, props: ElasticsearchClusterProps) {
    super(scope, id);
    const version = props.version ?? dataServiceDefaults.elasticsearchVersion;
    const nodeCount = props.nodeCount ?? 1;
    const highAvailability = props.highAvailability ?? false;
    const zoneAwareness = props.zoneAwareness ?? highAvailability;
    const storage = props.storage ?? { size: "20Gi" };
    const resources = props.resources ?? defaultResources;
    validate(resourceLabel("ElasticsearchCluster", props.namespace, props.name), props, { version, nodeCount, highAvailability, storage, resources });

    this.name = props.name;
    this.namespace = props.namespace;
    this.nodeCount = nodeCount;
    this.httpServiceName = `${props.name}-es-http`;
    this.url = `https://${this.httpServiceName}.${props.namespace}.svc:${elasticsearchHttpPort}`;
    this.elasticUserSecretName = `${props.name}-es-elastic-user`;
    this.publicCertificatesSecretName = `${props.name}-es-http-certs-public`;

    const nodeSet: ElasticsearchSpecNodeSets = {
      name: nodeSetName,
      count: nodeCount,
      config: {
        // No mmap: Elasticsearch then needs no vm.max_map_count raised on the host, which would take a
        // privileged init container. Costs some search speed, which this workload does not notice.
        "node.store.allow_mmap": false,
      },
      podTemplate: { metadata: { labels: standardLabels(props.name, "elasticsearch") }, spec: podSpec(props, resources, highAvailability) },
      volumeClaimTemplates: [{
        metadata: { name: dataVolumeName },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: ClaimRequest.fromString(storage.size) } },
          storageClassName: storage.storageClass,
        },
      }],
      zoneAwareness: zoneAwareness ? {} : undefined,
    };

    this.resource = new Elasticsearch(this, "resource", {
      metadata: { name: props.name, namespace: props.namespace, labels: standardLabels(props.name, "elasticsearch") },
      spec: {
        version,
        http: { tls: { certificate: { secretName: props.httpTlsSecretName } } },
        auth: {
          fileRealm: props.fileRealmSecretNames.map((secretName) => ({ secretName })),
          roles: props.rolesSecretNames.map((secretName) => ({ secretName })),
        },
        nodeSets: [nodeSet],
      },
    });
  }
}

function podSpec(props: ElasticsearchClusterProps, resources: ComputeResources, highAvailability: boolean): ElasticsearchSpecNodeSetsPodTemplateSpec {
  const env: ElasticsearchSpecNodeSetsPodTemplateSpecContainersEnv[] = [];
  if (props.jvmHeap !== undefined) env.push({ name: "ES_JAVA_OPTS", value: `-Xms${props.jvmHeap} -Xmx${props.jvmHeap}` });
  const snapshots = props.snapshots;
  if (snapshots !== undefined) {
    env.push(
      { name: "AWS_ROLE_ARN", valueFrom: { configMapKeyRef: { name: snapshots.roleArnConfigMap.name, key: snapshots.roleArnConfigMap.key } } },
      // Must be set for the repository to try web identity; it reads the token from its config dir.
      { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: `${s3ConfigDir}/${webIdentityTokenFile}` },
    );
    if (snapshots.region !== undefined) {
      env.push({ name: "AWS_REGION", value: snapshots.region }, { name: "AWS_STS_REGIONAL_ENDPOINTS", value: "regional" });
    }
  }
  return {
    // Security contexts stay ECK's defaults (non-root, no capabilities, read-only root filesystem).
    serviceAccountName: snapshots?.serviceAccountName,
    nodeSelector: props.nodeSelector === undefined ? undefined : { ...props.nodeSelector },
    affinity: highAvailability
      ? {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{
              labelSelector: { matchLabels: { "elasticsearch.k8s.elastic.co/cluster-name": props.name } },
              topologyKey: "kubernetes.io/hostname",
            }],
          },
        }
      : undefined,
    containers: [{
      name: "elasticsearch",
      env: env.length > 0 ? env : undefined,
      resources: {
        requests: toQuantities(resources.requests, (value) => ContainerRequest.fromString(value)),
        limits: toQuantities(resources.limits, (value) => ContainerLimit.fromString(value)),
      },
      volumeMounts: snapshots === undefined ? undefined : [{ name: "aws-web-identity-token", mountPath: s3ConfigDir, readOnly: true }],
    }],
    volumes: snapshots === undefined
      ? undefined
      : [{
          name: "aws-web-identity-token",
          projected: { sources: [{ serviceAccountToken: { audience: "sts.amazonaws.com", expirationSeconds: 86400, path: webIdentityTokenFile } }] },
        }],
  };
}

interface Resolved {
  readonly version: string;
  readonly nodeCount: number;
  readonly highAvailability: boolean;
  readonly storage: PersistentStorage;
  readonly resources: ComputeResources;
}

function validate(owner: string, props: ElasticsearchClusterProps, resolved: Resolved): void {
  validateLabelName(owner, "name", props.name, 36);
  validateNamespace(owner, props.namespace);
  if (!/^8\.\d+\.\d+$/.test(resolved.version)) {
    fail(owner, `version "${resolved.version}" must be an Elasticsearch 8.x.y version: the flywheel's @elastic/elasticsearch 8 client and 9.x servers refuse each other`);
  }
  validateInteger(owner, "nodeCount", resolved.nodeCount, 1, 100);
  if (resolved.highAvailability && resolved.nodeCount < 3) {
    fail(owner, `nodeCount must be at least 3 when highAvailability is on (a master quorum that survives losing a node), got ${resolved.nodeCount}`);
  }
  validateStorage(owner, "storage", resolved.storage);
  validateComputeResources(owner, "resources", resolved.resources);
  if (props.jvmHeap !== undefined) validateHeap(owner, props.jvmHeap, resolved.resources.limits.memory);
  validateObjectName(owner, "httpTlsSecretName", props.httpTlsSecretName);
  if (props.fileRealmSecretNames.length === 0) {
    fail(owner, "fileRealmSecretNames must name at least one user Secret: clients use least-privilege users, not the elastic superuser");
  }
  props.fileRealmSecretNames.forEach((name, i) => validateObjectName(owner, `fileRealmSecretNames[${i}]`, name));
  props.rolesSecretNames.forEach((name, i) => validateObjectName(owner, `rolesSecretNames[${i}]`, name));
  if (props.snapshots !== undefined) {
    validateObjectName(owner, "snapshots.serviceAccountName", props.snapshots.serviceAccountName);
    validateObjectName(owner, "snapshots.roleArnConfigMap.name", props.snapshots.roleArnConfigMap.name);
    if (props.snapshots.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(props.snapshots.region)) {
      fail(owner, `snapshots.region "${props.snapshots.region}" must be an AWS region such as us-east-1`);
    }
  }
  if (props.nodeSelector !== undefined) validateNodeSelector(owner, "nodeSelector", props.nodeSelector);
}

const jvmUnits: Readonly<Record<string, number>> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };

function validateHeap(owner: string, heap: string, memoryLimit: string): void {
  const match = /^([1-9][0-9]*)([kKmMgG])$/.exec(heap);
  if (!match) fail(owner, `jvmHeap "${heap}" must be a JVM size such as 1g or 768m`);
  const heapBytes = Number(match[1]) * jvmUnits[match[2].toLowerCase()];
  const limitBytes = parseQuantity(memoryLimit);
  if (limitBytes !== undefined && heapBytes > limitBytes / 2) {
    fail(owner, `jvmHeap "${heap}" must be at most half of resources.limits.memory (${memoryLimit}): Elasticsearch needs the rest off-heap`);
  }
}
