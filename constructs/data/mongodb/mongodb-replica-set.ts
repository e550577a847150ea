import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import {
  MongoDbCommunity,
  MongoDbCommunitySpecSecurityAuthenticationModes,
  MongoDbCommunitySpecType,
} from "../../imports/mongodb-kubernetes-1.9.1/mongodbcommunity.mongodb.com";
import { type ComputeResources, resourceRequirements, validateComputeResources } from "../../common/compute-resources";
import { fail, resourceLabel } from "../../common/errors";
import { standardLabels, validateNodeSelector } from "../../common/labels";
import { validateLabelName, validateNamespace, validateObjectName } from "../../common/names";
import { type SecretKeyReference, resolveSecretKey } from "../../common/secrets";
import { type PersistentStorage, validateStorage } from "../../common/storage";
import { dataServiceDefaults } from "../versions";

/** MongoDB's port. */
export const mongodbPort = 27017;

/**
 * Where the members serve Prometheus metrics with `spec.prometheus` set: the operator's default port
 * (CRD `spec.prometheus.port`, "Defaults to 9216") and the name of the port it adds to the members'
 * Service (mongodb-kubernetes 1.9.1 mongodb-community-operator/controllers/prometheus.go, `prometheusPort`).
 */
export const mongodbMetricsPort = { name: "prometheus", port: 9216 } as const;

/**
 * The service account MongoDB Controllers for Kubernetes runs MongoDBCommunity pods as (fixed in the
 * operator). Its chart creates it, with its Role, in each watched namespace; with a cluster-wide
 * watch it creates it only in the operator's namespace.
 */
export const mongodbPodServiceAccountName = "mongodb-kubernetes-appdb";

/** The application user of the replica set, authenticated with SCRAM. */
export interface MongoDbUserProps {
  /**
   * User name.
   * @default "flywheel"
   */
  readonly name?: string;
  /**
   * The database the user may read and write (its only role: `readWrite` on it).
   * @default "flywheel"
   */
  readonly database?: string;
  /** Secret (in the replica set's namespace) holding the user's password. */
  readonly password: SecretKeyReference;
}

export interface MongoDbStorageProps {
  /**
   * Volume for the database files.
   * @default { size: "10Gi" }
   */
  readonly data?: PersistentStorage;
  /**
   * Volume for mongod's and the agent's logs.
   * @default { size: "2Gi" }
   */
  readonly logs?: PersistentStorage;
}

export interface MongoDbResourcesProps {
  /**
   * The mongod container.
   * @default requests 250m / 1Gi, limits 1 / 1Gi
   */
  readonly mongod?: ComputeResources;
  /**
   * The MongoDB agent container (automation: configures mongod, users, upgrades).
   * @default requests 50m / 200Mi, limits 500m / 500Mi
   */
  readonly agent?: ComputeResources;
}

/** The members' Prometheus endpoint (`spec.prometheus`), behind HTTP basic auth. */
export interface MongoDbMetricsProps {
  /** The basic-auth user Prometheus scrapes with. */
  readonly username: string;
  /** Secret (in the replica set's namespace) holding that user's password. */
  readonly password: SecretKeyReference;
}

/**
 * TLS for every connection to the members, clients' and the members' own (`spec.security.tls`), with
 * the keys `mongodbTlsKeys`.
 */
export interface MongoDbTlsProps {
  /**
   * Secret (in the replica set's namespace) with the members' certificate and key (`mongodbTlsKeys`,
   * those of a `kubernetes.io/tls` Secret). The certificate must name every host of
   * `MongoDbReplicaSet.certificateDnsNames` (clients and members check the name of the member they
   * reach) and allow client authentication too: the members present it to each other.
   */
  readonly certificateSecretName: string;
  /** ConfigMap (in the replica set's namespace) with the CA that signed the certificate, under `mongodbTlsKeys.ca`. */
  readonly caConfigMapName: string;
}

/**
 * The keys the operator reads (fixed in it): the certificate and key from the Secret
 * `MongoDbTlsProps.certificateSecretName`, the CA from the ConfigMap `caConfigMapName`.
 */
export const mongodbTlsKeys = { certificate: "tls.crt", privateKey: "tls.key", ca: "ca.crt" } as const;

export interface MongoDbReplicaSetProps {
  /** Name of the `MongoDBCommunity` resource, its StatefulSet and replica set. */
  readonly name: string;
  readonly namespace: string;
  /**
   * MongoDB server version (`8.0.x`). With 8.0.12 and later the operator's chart needs
   * `community.mongodb.imageType: ubi9`.
   * @default dataServiceDefaults.mongodbVersion
   */
  readonly version?: string;
  /**
   * Replica set members: 1, 3, 5 or 7 (an odd number keeps a voting majority).
   * @default 1
   */
  readonly members?: number;
  /**
   * Production topology: at least 3 members on different hosts, spread over zones.
   * @default false
   */
  readonly highAvailability?: boolean;
  readonly user: MongoDbUserProps;
  /** @default data 10Gi, logs 2Gi, default StorageClass */
  readonly storage?: MongoDbStorageProps;
  /** @default see MongoDbResourcesProps */
  readonly resources?: MongoDbResourcesProps;
  /**
   * Create the pods' service account and its Role here, for namespaces the operator's chart does not
   * provision (see `mongodbPodServiceAccountName`).
   * @default false
   */
  readonly createServiceAccount?: boolean;
  /**
   * Node labels the members must run on.
   * @default - any node
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Serve Prometheus metrics on every member (`mongodbMetricsPort`, `/metrics`), the agent reading
   * them from mongod.
   * @default no metrics endpoint
   */
  readonly metrics?: MongoDbMetricsProps;
  /**
   * Serve only TLS. The metrics endpoint is not affected: it is the agent's own HTTP listener.
   * @default plaintext
   */
  readonly tls?: MongoDbTlsProps;
}

/** What a client needs to connect, without the password. */
export interface MongoDbEndpoint {
  /** `host:port` of every member. */
  readonly hosts: readonly string[];
  readonly replicaSetName: string;
  readonly username: string;
  readonly database: string;
  /** The database the user is defined in (`authSource`). */
  readonly authDatabase: string;
  /** The members serve only TLS: clients connect with `tls=true` and verify against the replica set's CA. */
  readonly tls: boolean;
}

/**
 * The connection string with the password, for Pulumi to put into the consumer's Secret. User and
 * password are percent-encoded.
 */
export function mongoConnectionUri(endpoint: MongoDbEndpoint, password: string): string {
  return connectionString(endpoint, `${encodeURIComponent(endpoint.username)}:${encodeURIComponent(password)}`);
}

function connectionString(endpoint: MongoDbEndpoint, userInfo: string): string {
  const tls = endpoint.tls ? "&tls=true" : "";
  return `mongodb://${userInfo}@${endpoint.hosts.join(",")}/${endpoint.database}?replicaSet=${endpoint.replicaSetName}&authSource=${endpoint.authDatabase}${tls}`;
}

const defaultMongodResources: ComputeResources = { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } };
const defaultAgentResources: ComputeResources = { requests: { cpu: "50m", memory: "200Mi" }, limits: { cpu: "500m", memory: "500Mi" } };
// Claim names the operator uses; the override replaces its defaults (10G data, 2G logs) by name.
const dataVolumeName = "data-volume";
const logsVolumeName = "logs-volume";

/** Replica-set sizes this construct builds: an odd number of voting members keeps a majority. The stack config refuses others too. */
export const mongodbMemberCounts: readonly number[] = [1, 3, 5, 7];
export const mongodbMembersRule = "must be 1, 3, 5 or 7 (an odd number of voting members keeps a majority)";

/**
 * A MongoDB replica set run by MongoDB Controllers for Kubernetes (`MongoDBCommunity`), with one
 * SCRAM user whose password Pulumi generates and persistent data and log volumes.
 */
export class MongoDbReplicaSet extends Construct implements MongoDbEndpoint {
  /**
   * The DNS names the members' certificate must carry: each member's, as clients and the other
   * members reach it (the operator names pod `<name>-<i>` behind the headless Service `<name>-svc`),
   * then the Service's own. A static so the certificate can be issued before the construct is built.
   */
  static certificateDnsNames(name: string, namespace: string, members: number): string[] {
    const service = serviceNameOf(name);
    return [
      ...Array.from({ length: members }, (_, i) => memberHost(name, namespace, i)),
      `${service}.${namespace}.svc.cluster.local`,
      `${service}.${namespace}.svc`,
    ];
  }

  readonly name: string;
  readonly namespace: string;
  readonly members: number;
  /** The headless Service of the members, `<name>-svc`. */
  readonly serviceName: string;
  readonly hosts: readonly string[];
  readonly replicaSetName: string;
  readonly username: string;
  readonly database: string;
  readonly authDatabase = "admin";
  readonly tls: boolean;
  /** `mongodb://<user>@<hosts>/<database>?replicaSet=<name>&authSource=admin[&tls=true]`, no password. */
  readonly connectionStringWithoutPassword: string;
  readonly resource: MongoDbCommunity;

  constructor(scope: Construct, id: string, props: MongoDbReplicaSetProps) {
    super(scope, id);
    const version = props.version ?? dataServiceDefaults.mongodbVersion;
    const members = props.members ?? 1;
    const highAvailability = props.highAvailability ?? false;
    const username = props.user.name ?? "flywheel";
    const database = props.user.database ?? "flywheel";
    const dataStorage = props.storage?.data ?? { size: "10Gi" };
    const logsStorage = props.storage?.logs ?? { size: "2Gi" };
    const mongodResources = props.resources?.mongod ?? defaultMongodResources;
    const agentResources = props.resources?.agent ?? defaultAgentResources;

    const owner = resourceLabel("MongoDbReplicaSet", props.namespace, props.name);
    validateLabelName(owner, "name", props.name, 40);
    validateNamespace(owner, props.namespace);
    const minor = /^(\d+\.\d+)\.\d+$/.exec(version);
    if (!minor) fail(owner, `version "${version}" must be a full MongoDB version such as 8.0.32`);
    if (!mongodbMemberCounts.includes(members)) {
      fail(owner, `members ${mongodbMembersRule}, got ${members}`);
    }
    if (highAvailability && members < 3) {
      fail(owner, `members must be at least 3 when highAvailability is on (a majority survives losing a member), got ${members}`);
    }
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(username)) {
      fail(owner, `user.name "${username}" must be letters, digits, '.', '_' or '-'`);
    }
    if (!/^[A-Za-z0-9_-]{1,63}$/.test(database) || database === "admin" || database === "local" || database === "config") {
      fail(owner, `user.database "${database}" must be an application database name (letters, digits, '_', '-'; not admin, local or config)`);
    }
    const password = resolveSecretKey(owner, "user.password", props.user.password);
    validateStorage(owner, "storage.data", dataStorage);
    validateStorage(owner, "storage.logs", logsStorage);
    validateComputeResources(owner, "resources.mongod", mongodResources);
    validateComputeResources(owner, "resources.agent", agentResources);
    if (props.nodeSelector !== undefined) validateNodeSelector(owner, "nodeSelector", props.nodeSelector);
    const metricsPassword = props.metrics && resolveSecretKey(owner, "metrics.password", props.metrics.password);
    if (props.metrics && !/^[A-Za-z0-9._-]{1,64}$/.test(props.metrics.username)) {
      fail(owner, `metrics.username "${props.metrics.username}" must be letters, digits, '.', '_' or '-'`);
    }
    if (props.tls) {
      validateObjectName(owner, "tls.certificateSecretName", props.tls.certificateSecretName);
      validateObjectName(owner, "tls.caConfigMapName", props.tls.caConfigMapName);
    }

    this.name = props.name;
    this.namespace = props.namespace;
    this.members = members;
    this.serviceName = serviceNameOf(props.name);
    this.replicaSetName = props.name;
    this.username = username;
    this.database = database;
    this.tls = props.tls !== undefined;
    this.hosts = Array.from({ length: members }, (_, i) => `${memberHost(props.name, props.namespace, i)}:${mongodbPort}`);
    this.connectionStringWithoutPassword = connectionString(this, encodeURIComponent(username));

    const scramCredentialsSecretName = `${props.name}-${username.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;
    validateLabelName(owner, "the SCRAM credentials Secret of name and user.name", scramCredentialsSecretName, 253 - "-scram-credentials".length);
    const labels = standardLabels(props.name, "mongodb");
    // The operator labels member pods `app: <name>-svc`.
    const memberSelector = { matchLabels: { app: this.serviceName } };

    this.resource = new MongoDbCommunity(this, "resource", {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        type: MongoDbCommunitySpecType.REPLICA_SET,
        members,
        version,
        featureCompatibilityVersion: minor[1],
        security: {
          authentication: { modes: [MongoDbCommunitySpecSecurityAuthenticationModes.SCRAM] },
          ...(props.tls
            ? {
              tls: {
                enabled: true,
                // Required, not offered: a plaintext connection is refused.
                optional: false,
                certificateKeySecretRef: { name: props.tls.certificateSecretName },
                caConfigMapRef: { name: props.tls.caConfigMapName },
              },
            }
            : {}),
        },
        ...(props.metrics && metricsPassword
          ? { prometheus: { port: mongodbMetricsPort.port, username: props.metrics.username, passwordSecretRef: { name: metricsPassword.name, key: metricsPassword.key } } }
          : {}),
        users: [{
          name: username,
          db: this.authDatabase,
          passwordSecretRef: { name: password.name, key: password.key },
          roles: [{ name: "readWrite", db: database }],
          scramCredentialsSecretName,
        }],
        statefulSet: {
          spec: {
            template: {
              metadata: { labels },
              spec: {
                nodeSelector: props.nodeSelector,
                affinity: highAvailability
                  ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: memberSelector, topologyKey: "kubernetes.io/hostname" }] } }
                  : undefined,
                topologySpreadConstraints: highAvailability
                  ? [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: memberSelector }]
                  : undefined,
                containers: [
                  { name: "mongod", resources: k8s.toJson_ResourceRequirements(resourceRequirements(mongodResources)) },
                  { name: "mongodb-agent", resources: k8s.toJson_ResourceRequirements(resourceRequirements(agentResources)) },
                ],
              },
            },
            volumeClaimTemplates: [claim(dataVolumeName, dataStorage), claim(logsVolumeName, logsStorage)],
          },
        },
      },
    });

    if (props.createServiceAccount ?? false) this.podServiceAccount(props.namespace, labels);
  }

  // Mirrors what the operator's chart grants the pods: the agent reads Secrets (automation config,
  // keyfile) and annotates and restarts its own pod during upgrades.
  private podServiceAccount(namespace: string, labels: Record<string, string>): void {
    const metadata = { name: mongodbPodServiceAccountName, namespace, labels };
    new k8s.KubeServiceAccount(this, "service-account", { metadata });
    new k8s.KubeRole(this, "role", {
      metadata,
      rules: [
        { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["patch", "delete", "get"] },
      ],
    });
    new k8s.KubeRoleBinding(this, "role-binding", {
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: mongodbPodServiceAccountName },
      subjects: [{ kind: "ServiceAccount", name: mongodbPodServiceAccountName, namespace }],
    });
  }
}

function serviceNameOf(name: string): string {
  return `${name}-svc`;
}

function memberHost(name: string, namespace: string, index: number): string {
  return `${name}-${index}.${serviceNameOf(name)}.${namespace}.svc.cluster.local`;
}

function claim(name: string, storage: PersistentStorage): object {
  return {
    metadata: { name },
    spec: { accessModes: ["ReadWriteOnce"], storageClassName: storage.storageClass, resources: { requests: { storage: storage.size } } },
  };
}
