import { Chart, Size, Testing } from "cdk8s";
import { MongoDbBackup, type MongoDbBackupProps, mongodbBackupNames, mongodbBackupPodLabels } from "../../../constructs/data/mongodb/mongodb-backup";
import { dataServiceDefaults } from "../../../constructs/data/versions";
import { podSecurityViolations } from "../../../policies/lib/pod-security";

const props: MongoDbBackupProps = {
  namespace: "flywheel-data",
  mongodb: { hosts: ["mongodb-0.mongodb-svc.flywheel-data.svc.cluster.local:27017"], replicaSetName: "mongodb", username: "flywheel", database: "flywheel", authDatabase: "admin", tls: true },
  dumpConfig: { name: "mongodb-backup-dump-config", key: "config.yaml" },
  certificateAuthority: { name: "stack-ca", key: "ca.crt" },
  schedule: "0 2 * * *",
  dumpImage: dataServiceDefaults.mongoToolsImage,
  uploadImage: `ghcr.io/acme/flywheel-job@sha256:${"a".repeat(64)}`,
  bucket: "flywheel-prod-backups-us-west-2",
  prefix: "mongodb/",
  region: "us-west-2",
  serviceAccountName: "mongodb-backup",
  scratchSize: Size.gibibytes(50),
  podLabels: { "example.com/team": "data" },
};

interface Container {
  name: string;
  image: string;
  command?: string[];
  args: string[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  resources: { limits: Record<string, string> };
  env?: { name: string; value?: string; valueFrom?: object }[];
}

interface Synthesized {
  kind: string;
  spec: {
    concurrencyPolicy: string;
    jobTemplate: {
      spec: {
        activeDeadlineSeconds: number;
        backoffLimit: number;
        podFailurePolicy: { rules: { action: string; onExitCodes?: { containerName: string; values: number[] } }[] };
        template: {
          metadata: { labels: Record<string, string> };
          spec: {
            restartPolicy: string;
            initContainers: Container[];
            containers: Container[];
            volumes: { name: string; emptyDir?: { sizeLimit: string }; secret?: { secretName: string; defaultMode: number; items: { key: string; path: string }[] } }[];
          };
        };
      };
    };
  };
}

function synth(overrides: Partial<MongoDbBackupProps> = {}): Synthesized {
  const chart = Testing.chart();
  new MongoDbBackup(chart, "Backup", { ...props, ...overrides });
  return Testing.synth(chart).find((o: { kind: string }) => o.kind === "CronJob") as Synthesized;
}

describe("MongoDbBackup", () => {
  it("dumps over TLS with the password in a config file, never on the command line", () => {
    const pod = synth().spec.jobTemplate.spec.template.spec;
    const [dump] = pod.initContainers;
    expect(dump.image).toBe(`mongo:${dataServiceDefaults.mongodbVersion}`);
    expect(dump.command).toEqual(["mongodump"]);
    expect(dump.args).toEqual([
      "--uri=mongodb://flywheel@mongodb-0.mongodb-svc.flywheel-data.svc.cluster.local:27017/flywheel?replicaSet=mongodb&authSource=admin&readPreference=secondaryPreferred",
      "--config=/etc/mongodump/config.yaml",
      "--tls",
      "--tlsCAFile=/etc/mongodb-ca/ca.crt",
      "--archive=/backup/mongodb.archive.gz",
      "--gzip",
    ]);
    const config = pod.volumes.find((v) => v.secret)!;
    expect(config.secret).toEqual({ secretName: "mongodb-backup-dump-config", defaultMode: 0o440, items: [{ key: "config.yaml", path: "config.yaml" }] });
    // Only the dump container sees the password.
    expect(pod.containers[0].volumeMounts.map((m) => m.name)).not.toContain(config.name);
  });

  it("uploads the archive under the prefix, keyed by the Job's name, from an emptyDir sized to the database", () => {
    const pod = synth().spec.jobTemplate.spec.template.spec;
    const [upload] = pod.containers;
    expect(upload.name).toBe(mongodbBackupNames.uploadContainer);
    expect(upload.args).toEqual(["backup", "upload", "--bucket", "flywheel-prod-backups-us-west-2", "--key", "mongodb/$(BACKUP_JOB_NAME).archive.gz", "--file", "/backup/mongodb.archive.gz", "--region", "us-west-2"]);
    expect(pod.volumes.find((v) => v.emptyDir)!.emptyDir).toEqual({ sizeLimit: "51200Mi" });
    expect(upload.volumeMounts).toEqual([expect.objectContaining({ mountPath: "/backup", readOnly: true })]);
  });

  it("never runs twice at once, is bounded, fails at once on a refused upload, and meets Pod Security restricted", () => {
    const cronJob = synth();
    expect(cronJob.spec.concurrencyPolicy).toBe("Forbid");
    expect(cronJob.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(7200);
    expect(cronJob.spec.jobTemplate.spec.backoffLimit).toBe(2);
    expect(cronJob.spec.jobTemplate.spec.podFailurePolicy.rules[0]).toEqual({ action: "FailJob", onExitCodes: { containerName: "upload", operator: "In", values: [2] } });
    expect(cronJob.spec.jobTemplate.spec.template.spec.restartPolicy).toBe("Never");
    expect(cronJob.spec.jobTemplate.spec.template.metadata.labels).toMatchObject({ "example.com/team": "data", ...mongodbBackupPodLabels });
    expect(podSecurityViolations({ spec: cronJob.spec.jobTemplate.spec.template.spec }, "restricted")).toEqual([]);
    for (const container of [...cronJob.spec.jobTemplate.spec.template.spec.initContainers, ...cronJob.spec.jobTemplate.spec.template.spec.containers]) {
      expect(Object.keys(container.resources.limits).sort()).toEqual(["cpu", "memory"]);
    }
  });

  it("passes an S3-compatible endpoint to the upload", () => {
    const upload = synth({ endpoint: "http://minio.storage:9000", region: undefined }).spec.jobTemplate.spec.template.spec.containers[0];
    expect(upload.args.slice(-2)).toEqual(["--endpoint", "http://minio.storage:9000"]);
  });

  it("signs with the access keys' Secrets when given, in the variables the job's credential chain reads first", () => {
    const credentials = { accessKeyId: { name: "backup-endpoint", key: "AWS_ACCESS_KEY_ID" }, secretAccessKey: { name: "backup-endpoint", key: "AWS_SECRET_ACCESS_KEY" } };
    const env = synth({ endpoint: "https://minio.example.com", credentials }).spec.jobTemplate.spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([
      { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "backup-endpoint", key: "AWS_ACCESS_KEY_ID" } } },
      { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "backup-endpoint", key: "AWS_SECRET_ACCESS_KEY" } } },
    ]));
    expect((synth().spec.jobTemplate.spec.template.spec.containers[0].env ?? []).map((e) => e.name)).not.toContain("AWS_ACCESS_KEY_ID");
  });

  it.each<[string, Partial<MongoDbBackupProps>, RegExp]>([
    ["a schedule that is not cron", { schedule: "daily" }, /schedule "daily" is not a cron expression/],
    ["an upload image by tag", { uploadImage: "ghcr.io/acme/flywheel-job:1.0" }, /uploadImage .* must be pinned by digest/],
    ["a prefix without its slash", { prefix: "mongodb" }, /prefix "mongodb" must be a key prefix ending in "\/"/],
    ["TLS without the CA", { certificateAuthority: undefined }, /certificateAuthority is required: the replica set serves TLS only/],
    ["a bucket name S3 refuses", { bucket: "Backups_Bucket" }, /bucket "Backups_Bucket" is not an S3 bucket name/],
    ["negative retries", { retries: -1 }, /retries/],
  ])("refuses %s", (_, overrides, message) => {
    expect(() => synth(overrides)).toThrow(message);
  });
});

it("keeps the chart's objects to the CronJob alone", () => {
  const chart = new Chart(Testing.app(), "only");
  new MongoDbBackup(chart, "Backup", props);
  expect(Testing.synth(chart).map((o: { kind: string }) => o.kind)).toEqual(["CronJob"]);
});
