import { ApiObject, Cron, Duration, JsonPatch, Size } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import { Construct } from "constructs";
import { ExitCode } from "../../../flywheel-job/src/contract";
import { fail, resourceLabel } from "../../common/errors";
import { isPinnedByDigest } from "../../common/images";
import { validateInteger } from "../../common/integers";
import { validatePodSelectorLabels } from "../../common/labels";
import { validateNamespace, validateObjectName } from "../../common/names";
import { type S3AccessKeyReference, type SecretKeyReference, resolveS3AccessKey, resolveSecretKey } from "../../common/secrets";
import { type ImageUser, jobImageUser, restrictedContainerSecurity } from "../../common/security-contexts";
import { validateHttpUrl } from "../../common/http-urls";
import { isCronSchedule } from "../../flywheel/flywheel-schedule";
import type { MongoDbEndpoint } from "./mongodb-replica-set";

/** The official `mongo` image's `mongodb` user (its Dockerfile creates it as 999:999). */
export const mongoImageUser: ImageUser = { uid: 999, gid: 999 };

/** The names the backup pods are found by: the alert's `cronjob` label, the isolation table's selector. */
export const mongodbBackupNames = {
  /** The CronJob's name, and the `app.kubernetes.io/name` of its pods. */
  cronJob: "mongodb-backup",
  /** The container that uploads: the one the Job's failure policy watches. */
  uploadContainer: "upload",
  dumpContainer: "dump",
} as const;

/** Labels every backup pod has: the namespace's NetworkPolicies select the pods by them. */
export const mongodbBackupPodLabels = { "app.kubernetes.io/name": mongodbBackupNames.cronJob, "app.kubernetes.io/component": "backup" } as const;

/** Where the pod keeps the archive between the two containers. */
const archiveDirectory = "/backup";
const archiveFile = `${archiveDirectory}/mongodb.archive.gz`;
const configDirectory = "/etc/mongodump";
const caDirectory = "/etc/mongodb-ca";

export interface MongoDbBackupProps {
  /** Namespace of the CronJob: the replica set's, where its password Secret is. */
  readonly namespace: string;
  /** The replica set to dump (a `MongoDbReplicaSet`, or its endpoint). */
  readonly mongodb: MongoDbEndpoint;
  /**
   * Secret key holding mongodump's `--config` YAML, `password: "<the user's password>"`: the
   * password reaches mongodump as a file readable only by the pod, never on its command line.
   */
  readonly dumpConfig: SecretKeyReference;
  /**
   * ConfigMap key with the CA that signed the members' certificates; required when the replica set
   * serves TLS.
   * @default none (the replica set serves plain connections)
   */
  readonly certificateAuthority?: { readonly name: string; readonly key: string };
  /** Cron schedule, five fields. */
  readonly schedule: string;
  /** The image with mongodump, the official `mongo` image at the server's version (`dataServiceDefaults.mongoToolsImage`). */
  readonly dumpImage: string;
  /** The flywheel job image (`flywheel backup upload`), pinned by digest. */
  readonly uploadImage: string;
  /** Bucket the archive goes to. */
  readonly bucket: string;
  /** Key prefix of MongoDB's archives in the bucket, ending in `/` (the identity may write only there). */
  readonly prefix: string;
  /**
   * The bucket's region.
   * @default the upload container's AWS_REGION
   */
  readonly region?: string;
  /**
   * An S3-compatible endpoint instead of AWS's, `http(s)://…`.
   * @default AWS's regional endpoint
   */
  readonly endpoint?: string;
  /**
   * The access-key pair the upload signs with (its AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), for
   * an endpoint where no IAM role exists.
   * @default - the ServiceAccount's IAM role (IRSA)
   */
  readonly credentials?: S3AccessKeyReference;
  /** Service account the pods run as: on EKS, one with an IAM role allowed to write `prefix` only. */
  readonly serviceAccountName: string;
  /**
   * Room for the archive: the size of the database's volume, which a gzipped dump never exceeds.
   */
  readonly scratchSize: Size;
  /**
   * More labels of the pods, beside `mongodbBackupPodLabels`.
   * @default none
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * How long one backup (dump and upload) may take before Kubernetes stops it.
   * @default 2 hours
   */
  readonly maxDuration?: Duration;
  /**
   * Retries of a failed backup.
   * @default 2
   */
  readonly retries?: number;
}

/**
 * MongoDB backed up on a schedule (the community operator has none of its own): an init container
 * runs `mongodump --archive --gzip` over TLS into an emptyDir sized to the database, then the job
 * image uploads the archive as `<prefix><job name>.archive.gz` (the CronJob names each Job after its
 * scheduled minute, so keys sort by time and never collide). Retention is the bucket's lifecycle rule
 * on the prefix. Never two at once, bounded in time, Pod Security `restricted` on read-only root
 * filesystems; an upload refused (exit 2) fails the Job at once instead of being retried.
 */
export class MongoDbBackup extends Construct {
  readonly cronJob: kplus.CronJob;

  constructor(scope: Construct, id: string, props: MongoDbBackupProps) {
    super(scope, id);
    const name = mongodbBackupNames.cronJob;
    const owner = resourceLabel("MongoDbBackup", props.namespace, name);
    validateNamespace(owner, props.namespace);
    if (!isCronSchedule(props.schedule)) {
      fail(owner, `schedule "${props.schedule}" is not a cron expression with five fields`);
    }
    if (!isPinnedByDigest(props.uploadImage)) {
      fail(owner, `uploadImage "${props.uploadImage}" must be pinned by digest (registry/repository@sha256:<digest>)`);
    }
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucket)) {
      fail(owner, `bucket "${props.bucket}" is not an S3 bucket name`);
    }
    if (!/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/.test(props.prefix)) {
      fail(owner, `prefix "${props.prefix}" must be a key prefix ending in "/", e.g. "mongodb/"`);
    }
    if (props.endpoint !== undefined) {
      validateHttpUrl(owner, "endpoint", props.endpoint);
    }
    if (props.mongodb.tls && props.certificateAuthority === undefined) {
      fail(owner, "certificateAuthority is required: the replica set serves TLS only");
    }
    if (props.scratchSize.toMebibytes() < 1) {
      fail(owner, "scratchSize must be at least 1 MiB");
    }
    validateObjectName(owner, "serviceAccountName", props.serviceAccountName);
    if (props.podLabels !== undefined) {
      validatePodSelectorLabels(owner, "podLabels", props.podLabels);
    }
    const dumpConfig = resolveSecretKey(owner, "dumpConfig", props.dumpConfig);
    const credentials = props.credentials && resolveS3AccessKey(owner, "credentials", props.credentials);
    const retries = props.retries ?? 2;
    validateInteger(owner, "retries", retries, 0);

    const metadata = { namespace: props.namespace, labels: { "app.kubernetes.io/part-of": "data-flywheel", ...mongodbBackupPodLabels } };
    const [minute, hour, day, month, weekDay] = props.schedule.trim().split(/\s+/);
    this.cronJob = new kplus.CronJob(this, "CronJob", {
      metadata: { ...metadata, name },
      schedule: Cron.schedule({ minute, hour, day, month, weekDay }),
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      startingDeadline: Duration.hours(1),
      activeDeadline: props.maxDuration ?? Duration.hours(2),
      ttlAfterFinished: Duration.days(1),
      backoffLimit: retries,
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(this, "ServiceAccount", props.serviceAccountName),
      // The upload's web identity token (IRSA) is projected with the ServiceAccount's token.
      automountServiceAccountToken: true,
      securityContext: { ensureNonRoot: true, user: jobImageUser.uid, group: jobImageUser.gid, fsGroup: jobImageUser.gid },
      podMetadata: { labels: { ...props.podLabels, ...metadata.labels } },
    });

    const scratch = kplus.Volume.fromEmptyDir(this, "Archive", "archive", { sizeLimit: props.scratchSize });
    // 0440: the files belong to root and the pod's fsGroup, which the dump container joins.
    const config = kplus.Volume.fromSecret(this, "DumpConfig", kplus.Secret.fromSecretName(this, "DumpConfigSecret", dumpConfig.name), {
      name: "dump-config",
      defaultMode: 0o440,
      items: { [dumpConfig.key]: { path: "config.yaml" } },
    });
    const endpoint = props.mongodb;
    // The database in the path: mongodump dumps it alone, which the user's readWrite role allows.
    const uri = `mongodb://${encodeURIComponent(endpoint.username)}@${endpoint.hosts.join(",")}/${endpoint.database}?replicaSet=${endpoint.replicaSetName}&authSource=${endpoint.authDatabase}&readPreference=secondaryPreferred`;
    const dump = this.cronJob.addInitContainer({
      name: mongodbBackupNames.dumpContainer,
      image: props.dumpImage,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: ["mongodump"],
      args: [
        `--uri=${uri}`,
        `--config=${configDirectory}/config.yaml`,
        ...(endpoint.tls && props.certificateAuthority ? ["--tls", `--tlsCAFile=${caDirectory}/${props.certificateAuthority.key}`] : []),
        `--archive=${archiveFile}`,
        "--gzip",
      ],
      resources: { cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(1) }, memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) } },
      securityContext: restrictedContainerSecurity(mongoImageUser),
    });
    dump.mount(archiveDirectory, scratch);
    dump.mount(configDirectory, config, { readOnly: true });
    if (endpoint.tls && props.certificateAuthority) {
      const ca = kplus.ConfigMap.fromConfigMapName(this, "Ca", props.certificateAuthority.name);
      dump.mount(caDirectory, kplus.Volume.fromConfigMap(this, "CaVolume", ca, { name: "mongodb-ca" }), { readOnly: true });
    }

    const upload = this.cronJob.addContainer({
      name: mongodbBackupNames.uploadContainer,
      image: props.uploadImage,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: [
        "backup",
        "upload",
        "--bucket",
        props.bucket,
        "--key",
        `${props.prefix}$(BACKUP_JOB_NAME).archive.gz`,
        "--file",
        archiveFile,
        ...(props.region !== undefined ? ["--region", props.region] : []),
        ...(props.endpoint !== undefined ? ["--endpoint", props.endpoint] : []),
      ],
      envVariables: {
        BACKUP_JOB_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_LABEL, { key: "batch.kubernetes.io/job-name" }),
        // The names the job's credential chain reads first (flywheel-job/src/backup/aws-credentials.ts).
        ...(credentials
          ? {
              AWS_ACCESS_KEY_ID: kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(this, "AccessKeyId", credentials.accessKeyId.name), key: credentials.accessKeyId.key }),
              AWS_SECRET_ACCESS_KEY: kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(this, "SecretAccessKey", credentials.secretAccessKey.name), key: credentials.secretAccessKey.key }),
            }
          : {}),
      },
      resources: { cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) } },
      securityContext: restrictedContainerSecurity(jobImageUser),
    });
    upload.mount(archiveDirectory, scratch, { readOnly: true });

    ApiObject.of(this.cronJob).addJsonPatch(
      JsonPatch.add("/spec/jobTemplate/spec/podFailurePolicy", {
        rules: [
          // A refused upload (exit 2: a denied write, a missing archive) will not pass on a retry.
          { action: "FailJob", onExitCodes: { containerName: mongodbBackupNames.uploadContainer, operator: "In", values: [ExitCode.usage] } },
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
        ],
      }),
      JsonPatch.replace("/spec/jobTemplate/spec/template/spec/restartPolicy", "Never"),
    );
  }
}
