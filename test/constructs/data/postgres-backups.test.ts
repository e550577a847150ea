import type { Chart } from "cdk8s";
import { barmanCloudPluginName, PostgresObjectStore, postgresBackupPrefix } from "../../../constructs/data/cnpg/postgres-object-store";
import { PostgresRecoveryCluster, type PostgresRecoveryClusterProps } from "../../../constructs/data/cnpg/postgres-recovery-cluster";
import { PostgresScheduledBackup } from "../../../constructs/data/cnpg/postgres-scheduled-backup";
import { PostgresCluster, type PostgresClusterProps } from "../../../constructs/data/postgres/postgres-cluster";
import { crdValidator, describeWithCrds } from "../../support/crd-schema";
import { parseAllDocuments } from "yaml";
import { postgresRecoveryYaml } from "../../../scripts/postgres-recovery";
import { type Manifest, only, synth } from "./support";

const roleArn = "arn:aws:iam::123456789012:role/nemo-postgres-backups";
const backedUp: PostgresClusterProps = {
  name: "nemo-postgres",
  namespace: "nemo",
  databases: [{ database: "datastore", owner: "datastore", credentialsSecretName: "pg-datastore" }],
  backup: { bucket: "flywheel-backups", retentionDays: 14, roleArn },
};
const recovery: PostgresRecoveryClusterProps = { sourceCluster: "nemo-postgres", namespace: "postgres-restore", bucket: "flywheel-backups", roleArn };

function render(build: (chart: Chart) => void): Manifest[] {
  return synth(build);
}

describe("PostgresCluster with backups", () => {
  const manifests = render((chart) => new PostgresCluster(chart, "pg", backedUp));
  const cluster = only(manifests, "Cluster", "nemo-postgres");

  test("archives WAL through the barman-cloud plugin into its own ObjectStore", () => {
    expect(cluster.spec.plugins).toEqual([{ name: barmanCloudPluginName, isWALArchiver: true, parameters: { barmanObjectName: "nemo-postgres-backups" } }]);
    expect(cluster.spec.backup).toBeUndefined();
  });

  test("the cluster's ServiceAccount carries the IRSA role the instance pods write S3 with", () => {
    expect(cluster.spec.serviceAccountTemplate).toEqual({ metadata: { annotations: { "eks.amazonaws.com/role-arn": roleArn } } });
  });

  test("the ObjectStore writes under postgres/<cluster>/ with the pods' IAM role, compressed, with the retention in days", () => {
    const store = only(manifests, "ObjectStore", "nemo-postgres-backups");
    expect(store.apiVersion).toBe("barmancloud.cnpg.io/v1");
    expect(store.spec.configuration.destinationPath).toBe(`s3://flywheel-backups/${postgresBackupPrefix("nemo-postgres")}/`);
    expect(store.spec.configuration.s3Credentials).toEqual({ inheritFromIAMRole: true });
    expect(store.spec.configuration.wal.compression).toBe("gzip");
    expect(store.spec.retentionPolicy).toBe("14d");
  });

  test("at an S3-compatible endpoint, the ObjectStore signs with the access keys' Secrets and the ServiceAccount carries no role", () => {
    const keys = { accessKeyId: { name: "backup-endpoint", key: "ACCESS_KEY_ID" }, secretAccessKey: { name: "backup-endpoint", key: "ACCESS_SECRET_KEY" } };
    const atEndpoint = render((chart) => new PostgresCluster(chart, "pg", { ...backedUp, backup: { bucket: "flywheel-backups", retentionDays: 14, endpointUrl: "https://minio.example.com", credentials: keys } }));
    const store = only(atEndpoint, "ObjectStore", "nemo-postgres-backups");
    expect(store.spec.configuration.endpointURL).toBe("https://minio.example.com");
    expect(store.spec.configuration.s3Credentials).toEqual(keys);
    expect(only(atEndpoint, "Cluster", "nemo-postgres").spec.serviceAccountTemplate).toBeUndefined();
    expect(() => render((chart) => new PostgresCluster(chart, "pg", { ...backedUp, backup: { ...backedUp.backup!, credentials: keys } }))).toThrow(/backup.roleArn and backup.credentials exclude each other/);
  });

  test("a daily ScheduledBackup through the plugin, the first one at once", () => {
    const scheduled = only(manifests, "ScheduledBackup", "nemo-postgres-daily");
    expect(scheduled.spec).toMatchObject({ cluster: { name: "nemo-postgres" }, method: "plugin", pluginConfiguration: { name: barmanCloudPluginName }, immediate: true, schedule: "0 0 2 * * *" });
  });

  test("without backup, no plugin, no ServiceAccount annotation and no backup objects", () => {
    const plain = render((chart) => new PostgresCluster(chart, "pg", { ...backedUp, backup: undefined }));
    const plainCluster = only(plain, "Cluster", "nemo-postgres");
    expect(plainCluster.spec.plugins).toBeUndefined();
    expect(plainCluster.spec.serviceAccountTemplate).toBeUndefined();
    expect(plain.filter((m) => m.kind === "ObjectStore" || m.kind === "ScheduledBackup")).toEqual([]);
  });

  test("refuses a role that is not an IAM role ARN, a retention under a day and a bad bucket", () => {
    expect(() => render((chart) => new PostgresCluster(chart, "pg", { ...backedUp, backup: { ...backedUp.backup!, roleArn: "nemo-role" } }))).toThrow(/backup.roleArn "nemo-role" is not an IAM role ARN/);
    expect(() => render((chart) => new PostgresCluster(chart, "pg", { ...backedUp, backup: { ...backedUp.backup!, retentionDays: 0 } }))).toThrow(/retentionDays/);
    expect(() => render((chart) => new PostgresCluster(chart, "pg", { ...backedUp, backup: { ...backedUp.backup!, bucket: "Flywheel_Backups" } }))).toThrow(/bucket "Flywheel_Backups"/);
  });

  test("refuses a five-field cron, which CloudNativePG would read with minutes as seconds", () => {
    expect(() => render((chart) => new PostgresScheduledBackup(chart, "b", { clusterName: "nemo-postgres", namespace: "nemo", schedule: "0 2 * * *" }))).toThrow(/six fields/);
  });
});

describe("PostgresRecoveryCluster", () => {
  const manifests = render((chart) => new PostgresRecoveryCluster(chart, "restore", recovery));
  const cluster = only(manifests, "Cluster", "nemo-postgres-restore");

  test("bootstraps from the source's backups, read through an ObjectStore on the source's path with the source's server name", () => {
    expect(cluster.metadata.namespace).toBe("postgres-restore");
    expect(cluster.spec.bootstrap).toEqual({ recovery: { source: "origin" } });
    expect(cluster.spec.externalClusters).toEqual([
      { name: "origin", plugin: { name: barmanCloudPluginName, parameters: { barmanObjectName: "nemo-postgres-backups", serverName: "nemo-postgres" } } },
    ]);
    const store = only(manifests, "ObjectStore", "nemo-postgres-backups");
    expect(store.metadata.namespace).toBe("postgres-restore");
    expect(store.spec.configuration.destinationPath).toBe("s3://flywheel-backups/postgres/nemo-postgres/");
  });

  test("archives nothing and deletes nothing: no WAL archiver, no retention policy", () => {
    expect(cluster.spec.plugins).toBeUndefined();
    expect(only(manifests, "ObjectStore", "nemo-postgres-backups").spec.retentionPolicy).toBeUndefined();
  });

  test("refuses a role that is not an IAM role ARN", () => {
    expect(() => render((chart) => new PostgresRecoveryCluster(chart, "r", { ...recovery, roleArn: "x" }))).toThrow(/roleArn "x"/);
  });
});

describeWithCrds("Postgres backups against the CloudNativePG 1.28.1 and barman-cloud v0.13.0 CRDs", () => {
  let validators: Record<string, (manifest: object) => string | undefined>;
  beforeAll(() => {
    validators = {
      Cluster: crdValidator("cloudnative-pg-1.28.1/Cluster.yaml", "postgresql.cnpg.io/v1"),
      ScheduledBackup: crdValidator("cloudnative-pg-1.28.1/ScheduledBackup.yaml", "postgresql.cnpg.io/v1"),
      ObjectStore: crdValidator("barman-cloud-v0.13.0/ObjectStore.yaml", "barmancloud.cnpg.io/v1"),
    };
  });
  const customObjects = (manifests: readonly Manifest[]) => manifests.filter((m) => m.kind in { Cluster: 1, ScheduledBackup: 1, ObjectStore: 1 });

  test("the backed-up cluster, its ObjectStore and ScheduledBackup validate", () => {
    const objects = customObjects(render((chart) => new PostgresCluster(chart, "pg", { ...backedUp, backup: { ...backedUp.backup!, endpointUrl: "http://minio.minio:9000" } })));
    expect(objects.map((m) => m.kind).sort()).toEqual(["Cluster", "ObjectStore", "ScheduledBackup"]);
    for (const object of objects) expect(validators[object.kind](object)).toBeUndefined();
  });

  test("an ObjectStore signing with access keys' Secrets validates", () => {
    const credentials = { accessKeyId: { name: "backup-endpoint", key: "ACCESS_KEY_ID" }, secretAccessKey: { name: "backup-endpoint", key: "ACCESS_SECRET_KEY" } };
    const store = only(render((chart) => new PostgresObjectStore(chart, "s", { clusterName: "c", namespace: "n", bucket: "flywheel-backups", endpointUrl: "https://minio.example.com", credentials })), "ObjectStore");
    expect(validators.ObjectStore(store)).toBeUndefined();
  });

  test("the recovery cluster and its ObjectStore validate", () => {
    const objects = customObjects(render((chart) => new PostgresRecoveryCluster(chart, "restore", recovery)));
    expect(objects).toHaveLength(2);
    for (const object of objects) expect(validators[object.kind](object)).toBeUndefined();
  });

  test("the validator sees a misspelt field", () => {
    const store = only(render((chart) => new PostgresObjectStore(chart, "s", { clusterName: "c", namespace: "n", bucket: "flywheel-backups", retentionDays: 7 })), "ObjectStore");
    expect(validators.ObjectStore({ ...store, spec: { ...store.spec, retentionPolicy: "7 days" } })).toMatch(/retentionPolicy/);
    expect(validators.ObjectStore({ ...store, spec: { ...store.spec, configuration: { ...store.spec.configuration, s3Credential: {} } } })).toMatch(/additional/);
  });
});

describeWithCrds("scripts/postgres-recovery.ts", () => {
  test("prints the recovery's ObjectStore and Cluster as YAML that validates", () => {
    const objects = parseAllDocuments(postgresRecoveryYaml(recovery)).map((d) => d.toJS() as Manifest);
    expect(objects.map((o) => o.kind)).toEqual(["ObjectStore", "Cluster"]);
    expect(crdValidator("barman-cloud-v0.13.0/ObjectStore.yaml", "barmancloud.cnpg.io/v1")(objects[0])).toBeUndefined();
    expect(crdValidator("cloudnative-pg-1.28.1/Cluster.yaml", "postgresql.cnpg.io/v1")(objects[1])).toBeUndefined();
  });
});
