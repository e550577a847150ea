import { Size, Testing } from "cdk8s";
import { MongoDbBackup } from "../../../constructs/data";
import type { KubernetesObject } from "../../lib/kubernetes-object";
import { statefulStoreBackedUp } from "../../policies/stateful-store-backed-up";
import { stackViolations } from "../support/policy-review";
import { edit, kubernetesResource, mongodb, type TestResource } from "../support/fixtures";

/** The backup CronJob the construct renders for the fixture's replica set, flywheel-db in data. */
function backupCronJob(): KubernetesObject {
  const chart = Testing.chart();
  new MongoDbBackup(chart, "backup", {
    namespace: "data",
    mongodb: { hosts: ["flywheel-db-0.flywheel-db-svc.data.svc.cluster.local:27017"], replicaSetName: "flywheel-db", username: "flywheel", database: "flywheel", authDatabase: "admin", tls: true },
    dumpConfig: { name: "mongodb-backup-dump-config", key: "config.yaml" },
    certificateAuthority: { name: "flywheel-db-ca", key: "ca.crt" },
    schedule: "0 2 * * *",
    dumpImage: "mongo:8.0.32",
    uploadImage: `ghcr.io/acme/flywheel-job@sha256:${"a".repeat(64)}`,
    bucket: "flywheel-backups-us-east-1",
    prefix: "mongodb/",
    serviceAccountName: "mongodb-backup",
    scratchSize: Size.gibibytes(20),
  });
  return Testing.synth(chart)[0] as KubernetesObject;
}

const bucket: TestResource = { type: "aws:s3/bucket:Bucket", name: "flywheel-backups", props: { bucket: "flywheel-backups-us-east-1" } };
const lifecycle = (days: number): TestResource => ({
  type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  name: "flywheel-backups",
  props: { rules: [{ id: "expire-mongodb", status: "Enabled", filter: { prefix: "mongodb/" }, expiration: { days } }] },
});
const replicaSet = kubernetesResource(mongodb(3));

describe("stateful-store-backed-up", () => {
  it("passes production's stack: the replica set dumped by its CronJob, archives kept 30 days", async () => {
    expect(await stackViolations(statefulStoreBackedUp, [bucket, lifecycle(30), replicaSet, kubernetesResource(backupCronJob())])).toEqual([]);
  });

  it("catches a replica set without a backup in a stack with a bucket, and not in one without", async () => {
    expect(await stackViolations(statefulStoreBackedUp, [bucket, replicaSet])).toEqual([
      {
        message: "MongoDBCommunity data/flywheel-db has no backup CronJob (mongodump of flywheel-db-svc.data) although the stack has S3 buckets. Fix: set platform.backups.enabled: true in the stack file.",
        resource: "flywheel-db",
      },
    ]);
    expect(await stackViolations(statefulStoreBackedUp, [replicaSet])).toEqual([]);
  });

  it("does not count a CronJob that dumps another replica set or lives in another namespace", async () => {
    const elsewhere = edit(backupCronJob(), "metadata.namespace", "other");
    expect(await stackViolations(statefulStoreBackedUp, [bucket, replicaSet, kubernetesResource(elsewhere)])).toHaveLength(1);
    const otherDatabase = edit(mongodb(3), "metadata.name", "other-db");
    expect(await stackViolations(statefulStoreBackedUp, [bucket, kubernetesResource(otherDatabase), kubernetesResource(backupCronJob())])).toEqual([
      expect.objectContaining({ message: expect.stringContaining("MongoDBCommunity data/other-db has no backup CronJob") }),
    ]);
  });

  it("catches archives kept fewer days than the environment's minimum", async () => {
    const stack = [bucket, replicaSet, kubernetesResource(backupCronJob())];
    expect(await stackViolations(statefulStoreBackedUp, [...stack, lifecycle(3)])).toEqual([
      { message: 'Lifecycle "flywheel-backups" deletes the backups under mongodb/ after 3 day(s), fewer than 7. Fix: set platform.backups.retentionDays to 7 or more.', resource: "flywheel-backups" },
    ]);
    expect(await stackViolations(statefulStoreBackedUp, [...stack, lifecycle(1)], { minRetentionDays: 1 })).toEqual([]);
  });

  describe("CloudNativePG clusters", () => {
    const cluster = (plugins?: unknown[]): TestResource =>
      kubernetesResource({ apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "nemo-postgres", namespace: "nemo" }, spec: { instances: 2, ...(plugins ? { plugins } : {}) } });
    const walArchiver = [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "nemo-postgres-backups" } }];
    const scheduled = (clusterName: string, method = "plugin"): TestResource =>
      kubernetesResource({ apiVersion: "postgresql.cnpg.io/v1", kind: "ScheduledBackup", metadata: { name: `${clusterName}-daily`, namespace: "nemo" }, spec: { schedule: "0 0 3 * * *", cluster: { name: clusterName }, method } });

    it("passes a cluster that archives WAL through the plugin and has a ScheduledBackup by it", async () => {
      expect(await stackViolations(statefulStoreBackedUp, [bucket, cluster(walArchiver), scheduled("nemo-postgres")])).toEqual([]);
    });

    it("catches a cluster without WAL archiving, or without a base backup by the plugin, in a stack with a bucket", async () => {
      const fix = "although the stack has S3 buckets. Fix: set platform.backups.enabled: true in the stack file.";
      expect(await stackViolations(statefulStoreBackedUp, [bucket, cluster(), scheduled("nemo-postgres")])).toEqual([
        { message: `Cluster nemo/nemo-postgres archives no WAL through the barman-cloud plugin ${fix}`, resource: "nemo-postgres" },
      ]);
      for (const other of [scheduled("other-cluster"), scheduled("nemo-postgres", "barmanObjectStore")]) {
        expect(await stackViolations(statefulStoreBackedUp, [bucket, cluster(walArchiver), other])).toEqual([
          { message: `Cluster nemo/nemo-postgres has no ScheduledBackup by the barman-cloud plugin ${fix}`, resource: "nemo-postgres" },
        ]);
      }
      expect(await stackViolations(statefulStoreBackedUp, [cluster()])).toEqual([]);
    });
  });
});
