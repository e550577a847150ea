import type { Chart } from "cdk8s";
import { PostgresCluster, type PostgresClusterProps } from "../../../constructs/data/postgres/postgres-cluster";
import type { PostgresServiceDatabase } from "../../../constructs/data/postgres/service-databases";
import { expectNoSecretValues, ofKind, only, synth } from "./support";

const services: PostgresServiceDatabase[] = [
  { database: "datastore", owner: "datastore", credentialsSecretName: "pg-datastore" },
  { database: "entity_store", owner: "entity_store", credentialsSecretName: "pg-entity-store" },
];
const base: PostgresClusterProps = { name: "nemo-pg", namespace: "nemo", databases: services };
const production: PostgresClusterProps = {
  ...base,
  instances: 3,
  highAvailability: true,
  storage: { size: "50Gi", storageClass: "gp3" },
  parameters: { max_connections: "200" },
  nodeSelector: { "data-flywheel.io/node-pool": "system" },
};

function postgres(props: PostgresClusterProps) {
  let construct: PostgresCluster | undefined;
  const manifests = synth((chart: Chart) => { construct = new PostgresCluster(chart, "pg", props); });
  return { construct: construct as PostgresCluster, manifests, cluster: only(manifests, "Cluster", props.name) };
}

describe("PostgresCluster", () => {
  test("dev: one instance of a pinned CloudNativePG PostgreSQL image on a persistent volume", () => {
    const { cluster } = postgres(base);
    expect(cluster.apiVersion).toBe("postgresql.cnpg.io/v1");
    expect(cluster.spec.instances).toBe(1);
    expect(cluster.spec.imageName).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:\d+\.\d+-/);
    expect(cluster.spec.storage).toEqual({ size: "10Gi" });
    expect(cluster.spec.resources).toEqual({ requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } });
    expect(cluster.spec.enableSuperuserAccess).toBe(false);
  });

  test("one login role per service, its password from the service's basic-auth Secret", () => {
    const { cluster } = postgres(base);
    expect(cluster.spec.managed.roles).toEqual([
      { name: "datastore", ensure: "present", login: true, comment: "Owner of the datastore database", passwordSecret: { name: "pg-datastore" } },
      { name: "entity_store", ensure: "present", login: true, comment: "Owner of the entity_store database", passwordSecret: { name: "pg-entity-store" } },
    ]);
    for (const role of cluster.spec.managed.roles) {
      expect(role).not.toHaveProperty("superuser");
      expect(role).not.toHaveProperty("createdb");
      expect(role).not.toHaveProperty("createrole");
    }
  });

  test("one declarative Database per service, owned by its role, kept when the resource goes", () => {
    const databases = ofKind(postgres(base).manifests, "Database");
    expect(databases.map((d) => [d.metadata.name, d.spec])).toEqual([
      ["nemo-pg-datastore", { cluster: { name: "nemo-pg" }, name: "datastore", owner: "datastore", ensure: "present", databaseReclaimPolicy: "retain" }],
      ["nemo-pg-entity-store", { cluster: { name: "nemo-pg" }, name: "entity_store", owner: "entity_store", ensure: "present", databaseReclaimPolicy: "retain" }],
    ]);
    for (const database of databases) expect(database.metadata.namespace).toBe("nemo");
  });

  test("prod: three instances on distinct hosts, spread over zones, with parameters and storage class", () => {
    const { cluster } = postgres(production);
    expect(cluster.spec.instances).toBe(3);
    expect(cluster.spec.affinity).toEqual({
      enablePodAntiAffinity: true,
      topologyKey: "kubernetes.io/hostname",
      podAntiAffinityType: "required",
      nodeSelector: { "data-flywheel.io/node-pool": "system" },
    });
    expect(cluster.spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { "cnpg.io/cluster": "nemo-pg" } } },
    ]);
    expect(cluster.spec.storage).toEqual({ size: "50Gi", storageClass: "gp3" });
    expect(cluster.spec.postgresql).toEqual({ parameters: { max_connections: "200" } });
  });

  test("exposes the read-write service host and port", () => {
    const { construct } = postgres(base);
    expect(construct.readWriteServiceName).toBe("nemo-pg-rw");
    expect(`${construct.host}:${construct.port}`).toBe("nemo-pg-rw.nemo.svc.cluster.local:5432");
  });

  test("holds no secret values", () => {
    expectNoSecretValues(postgres(production).manifests);
  });

  const owner = "PostgresCluster nemo/nemo-pg";
  const identifier = "must be a lowercase identifier (letters, digits, '_'; at most 63)";
  const fullVersionTag = "must be ghcr.io/cloudnative-pg/postgresql with a full version tag, such as 18.4-minimal-trixie";
  test.each([
    [{ databases: [] }, `${owner}: databases must list at least one service database`],
    [{ databases: [...services, { database: "datastore", owner: "other", credentialsSecretName: "x" }] }, `${owner}: databases[2].database "datastore" is listed twice`],
    [
      { databases: [...services, { database: "other", owner: "datastore", credentialsSecretName: "x" }] },
      `${owner}: databases[2].owner "datastore" owns another database already: one owner role per service`,
    ],
    [{ databases: [{ database: "postgres", owner: "app", credentialsSecretName: "x" }] }, `${owner}: databases[0].database "postgres" ${identifier} other than postgres, template0 and template1`],
    [{ databases: [{ database: "app", owner: "streaming_replica", credentialsSecretName: "x" }] }, `${owner}: databases[0].owner "streaming_replica" ${identifier}, not a reserved role`],
    [{ databases: [{ database: "App-DB", owner: "app", credentialsSecretName: "x" }] }, `${owner}: databases[0].database "App-DB" ${identifier} other than postgres, template0 and template1`],
    [{ highAvailability: true }, `${owner}: instances must be at least 3 when highAvailability is on (a standby to fail over to while another is rebuilt), got 1`],
    [{ imageName: "postgres:latest" }, `${owner}: imageName "postgres:latest" ${fullVersionTag}`],
    [{ imageName: "ghcr.io/cloudnative-pg/postgresql:18" }, `${owner}: imageName "ghcr.io/cloudnative-pg/postgresql:18" ${fullVersionTag}`],
  ] as [Partial<PostgresClusterProps>, string][])("rejects %j", (override, message) => {
    expect(() => postgres({ ...base, ...override })).toThrow(new Error(message));
  });
});
