import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import type { ComputeResources } from "../../common/compute-resources";
import { fail, resourceLabel } from "../../common/errors";
import { validateInteger } from "../../common/integers";
import { standardLabels } from "../../common/labels";
import { type JobRunLimits, VersionedJob, resolveJobRunLimits, resolveMaxAttempts } from "../jobs";
import { dataServiceDefaults } from "../versions";
import { type BootstrapStep, bootstrapEnv, bootstrapScript } from "./bootstrap-script";
import type { ElasticsearchEndpoint } from "./elasticsearch-cluster";
import {
  type LogStoreNames,
  type RetentionSettings,
  type S3SnapshotRepository,
  type SnapshotSchedule,
  finalPipelineSettingsBody,
  indexTemplateBody,
  isElasticsearchName,
  logStoreNames,
  retentionPolicyBody,
  s3RepositoryBody,
  snapshotPolicyBody,
  timestampPipelineBody,
  writerPipelineBody,
} from "./log-store-requests";

/** The default names of the snapshot repository and SLM policy, which the backup alert and `flywheel restore-check` look for. */
export const elasticsearchSnapshotDefaults = {
  repositoryName: "s3-snapshots",
  policyName: (logIndex: string): string => `${logIndex}-nightly`,
} as const;

/** When to take snapshots of the log data stream, and how long to keep them (an SLM policy). */
export interface ElasticsearchSnapshotScheduleProps {
  /**
   * Name of the SLM policy.
   * @default "<logIndex>-nightly"
   */
  readonly name?: string;
  /**
   * Elasticsearch cron expression (seconds first).
   * @default "0 30 1 * * ?" (01:30 UTC daily)
   */
  readonly cron?: string;
  /**
   * Delete snapshots older than this.
   * @default "30d"
   */
  readonly expireAfter?: string;
  /**
   * Snapshots always kept, however old.
   * @default 5
   */
  readonly minCount?: number;
  /**
   * Snapshots kept at most.
   * @default 50
   */
  readonly maxCount?: number;
}

/** The S3 snapshot repository (the cluster's pods reach S3 through IRSA, see `ElasticsearchS3SnapshotAccess`). */
export interface ElasticsearchSnapshotProps {
  /** S3 bucket. */
  readonly bucket: string;
  /**
   * Key prefix in the bucket.
   * @default "elasticsearch"
   */
  readonly basePath?: string;
  /**
   * Name of the repository in Elasticsearch.
   * @default "s3-snapshots"
   */
  readonly repositoryName?: string;
  /**
   * Scheduled snapshots.
   * @default - the repository only; no scheduled snapshots
   */
  readonly schedule?: ElasticsearchSnapshotScheduleProps;
}

export interface ElasticsearchBootstrapJobProps extends JobRunLimits {
  /** Base name of the Job and its ConfigMap; a content hash is appended. */
  readonly name: string;
  /** The cluster to set up (the Job runs in its namespace, with its `elastic` user and CA). */
  readonly elasticsearch: ElasticsearchEndpoint;
  /**
   * The log data stream the application writes and the flywheel reads.
   * @default "flywheel"
   */
  readonly logIndex?: string;
  /** Days logs are kept after their backing index rolled over. */
  readonly retentionDays: number;
  /**
   * Roll over to a new backing index at this age (Elasticsearch time unit).
   * @default "1d"
   */
  readonly rolloverMaxAge?: string;
  /**
   * ...or when a primary shard reaches this size.
   * @default "25gb"
   */
  readonly rolloverMaxPrimaryShardSize?: string;
  /**
   * Replicas of each log shard.
   * @default - 1 on a multi-node cluster, 0 on a single node
   */
  readonly numberOfReplicas?: number;
  /**
   * S3 snapshot repository and optional schedule.
   * @default - no snapshots
   */
  readonly snapshots?: ElasticsearchSnapshotProps;
  /**
   * Image with curl and a POSIX shell.
   * @default dataServiceDefaults.curlImage
   */
  readonly image?: string;
  /**
   * Requests of each call are retried this many times while Elasticsearch is unavailable (backoff
   * 2 s doubling to 60 s: 30 attempts wait about 25 minutes).
   * @default 30
   */
  readonly maxAttempts?: number;
  /**
   * CPU and memory of the Job's container.
   * @default requests 10m / 16Mi, limits 200m / 64Mi
   */
  readonly resources?: ComputeResources;
  /**
   * Node labels the Job's pod must run on.
   * @default - any node
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

const defaultResources: ComputeResources = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "200m", memory: "64Mi" } };
// curlimages/curl runs as curl_user (uid 100, gid 101).
const curlUser = { uid: 100, gid: 101 };
const bodiesDir = "/etc/log-store-bootstrap";
const caDir = "/etc/elasticsearch-ca";
const workDir = "/work";

const fileNames = {
  script: "bootstrap.sh",
  retentionPolicy: "retention-policy.json",
  timestampPipeline: "timestamp-pipeline.json",
  writerPipeline: "writer-pipeline.json",
  indexTemplate: "index-template.json",
  dataStreamSettings: "data-stream-settings.json",
  snapshotRepository: "snapshot-repository.json",
  snapshotPolicy: "snapshot-policy.json",
} as const;

/**
 * Sets up what ECK does not manage: the log data stream's ILM retention policy, timestamp and writer
 * ingest pipelines and index template, and in production the S3 snapshot repository and SLM policy. A Job
 * whose name carries a hash of everything it runs: changing the template or the retention gives a
 * new Job, which `pulumi up` runs (and waits for).
 */
export class ElasticsearchBootstrapJob extends Construct {
  /** Name of the Job (and of its ConfigMap): the base name and a content hash. */
  readonly jobName: string;
  /** The data stream, template, pipeline and policy names. */
  readonly names: LogStoreNames;
  /** Name of the snapshot repository, when snapshots are configured. */
  readonly snapshotRepositoryName?: string;
  readonly versionedJob: VersionedJob;

  constructor(scope: Construct, id: string, props: ElasticsearchBootstrapJobProps) {
    super(scope, id);
    const endpoint = props.elasticsearch;
    const owner = resourceLabel("ElasticsearchBootstrapJob", endpoint.namespace, props.name);
    const limits = resolveJobRunLimits(owner, props);
    const logIndex = props.logIndex ?? "flywheel";
    const numberOfReplicas = props.numberOfReplicas ?? Math.min(1, endpoint.nodeCount - 1);
    const retention = {
      retentionDays: props.retentionDays,
      rolloverMaxAge: props.rolloverMaxAge ?? "1d",
      rolloverMaxPrimaryShardSize: props.rolloverMaxPrimaryShardSize ?? "25gb",
    };
    const maxAttempts = resolveMaxAttempts(owner, props.maxAttempts);
    validate(owner, props, { logIndex, numberOfReplicas, retention });
    this.names = logStoreNames(logIndex);

    const plan = bootstrapPlan(owner, props, this.names, { numberOfReplicas, retention });
    this.snapshotRepositoryName = plan.snapshotRepositoryName;

    this.versionedJob = new VersionedJob(this, "versioned", {
      owner,
      name: props.name,
      namespace: endpoint.namespace,
      labels: standardLabels(props.name, "elasticsearch-bootstrap"),
      limits,
      files: plan.files,
      scriptDirectory: bodiesDir,
      script: fileNames.script,
      image: props.image ?? dataServiceDefaults.curlImage,
      user: curlUser,
      env: [
        { name: bootstrapEnv.url, value: endpoint.url },
        { name: bootstrapEnv.caFile, value: `${caDir}/ca.crt` },
        { name: bootstrapEnv.bodiesDir, value: bodiesDir },
        { name: bootstrapEnv.workDir, value: workDir },
        { name: bootstrapEnv.maxAttempts, value: String(maxAttempts) },
        { name: bootstrapEnv.password, valueFrom: { secretKeyRef: { name: endpoint.elasticUserSecretName, key: "elastic" } } },
      ],
      resources: props.resources ?? defaultResources,
      nodeSelector: props.nodeSelector,
      volumes: [
        {
          volume: { name: "ca", secret: { secretName: endpoint.publicCertificatesSecretName, items: [{ key: "ca.crt", path: "ca.crt" }] } },
          mountPath: caDir,
          readOnly: true,
        },
        { volume: { name: "work", emptyDir: { medium: "Memory", sizeLimit: k8s.Quantity.fromString("1Mi") } }, mountPath: workDir },
      ],
    });
    this.jobName = this.versionedJob.name;
  }
}

function json(body: object): string {
  return `${JSON.stringify(body, null, 2)}\n`;
}

interface BootstrapPlan {
  /** The ConfigMap's files: the script and the request bodies it sends. */
  readonly files: Record<string, string>;
  readonly snapshotRepositoryName?: string;
}

/** The requests the Job sends, in order, and the files that carry them. */
function bootstrapPlan(
  owner: string,
  props: ElasticsearchBootstrapJobProps,
  names: LogStoreNames,
  settings: { readonly numberOfReplicas: number; readonly retention: RetentionSettings },
): BootstrapPlan {
  const files: Record<string, string> = {
    [fileNames.retentionPolicy]: json(retentionPolicyBody(settings.retention)),
    [fileNames.timestampPipeline]: json(timestampPipelineBody()),
    [fileNames.writerPipeline]: json(writerPipelineBody()),
    [fileNames.indexTemplate]: json(indexTemplateBody({ names, numberOfReplicas: settings.numberOfReplicas })),
    [fileNames.dataStreamSettings]: json(finalPipelineSettingsBody(names)),
  };
  const steps: BootstrapStep[] = [
    { kind: "put", description: `ILM policy ${names.retentionPolicy}`, path: `/_ilm/policy/${names.retentionPolicy}`, bodyFile: fileNames.retentionPolicy },
    { kind: "put", description: `ingest pipeline ${names.timestampPipeline}`, path: `/_ingest/pipeline/${names.timestampPipeline}`, bodyFile: fileNames.timestampPipeline },
    // The template names the writer pipeline, so the pipeline exists first.
    { kind: "put", description: `ingest pipeline ${names.writerPipeline}`, path: `/_ingest/pipeline/${names.writerPipeline}`, bodyFile: fileNames.writerPipeline },
    { kind: "put", description: `index template ${names.indexTemplate}`, path: `/_index_template/${names.indexTemplate}`, bodyFile: fileNames.indexTemplate },
    { kind: "ensure-data-stream", name: names.dataStream },
    { kind: "put", description: `final pipeline of data stream ${names.dataStream}`, path: `/${names.dataStream}/_settings`, bodyFile: fileNames.dataStreamSettings },
  ];
  let snapshotRepositoryName: string | undefined;
  if (props.snapshots !== undefined) {
    const repository = snapshotRepository(owner, props.snapshots);
    snapshotRepositoryName = repository.name;
    files[fileNames.snapshotRepository] = json(s3RepositoryBody(repository));
    steps.push({ kind: "put", description: `snapshot repository ${repository.name}`, path: `/_snapshot/${repository.name}`, bodyFile: fileNames.snapshotRepository });
    if (props.snapshots.schedule !== undefined) {
      const schedule = snapshotSchedule(owner, props.snapshots.schedule, names.dataStream);
      files[fileNames.snapshotPolicy] = json(snapshotPolicyBody(schedule, repository.name, names.dataStream));
      steps.push({ kind: "put", description: `snapshot policy ${schedule.name}`, path: `/_slm/policy/${schedule.name}`, bodyFile: fileNames.snapshotPolicy });
    }
  }
  files[fileNames.script] = bootstrapScript(steps);
  return { files, snapshotRepositoryName };
}

function snapshotRepository(owner: string, props: ElasticsearchSnapshotProps): S3SnapshotRepository {
  const repository = { name: props.repositoryName ?? elasticsearchSnapshotDefaults.repositoryName, bucket: props.bucket, basePath: props.basePath ?? "elasticsearch" };
  if (!isElasticsearchName(repository.name)) {
    fail(owner, `snapshots.repositoryName "${repository.name}" must be a lowercase Elasticsearch name (letters, digits, '.', '_', '-')`);
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(repository.bucket)) {
    fail(owner, `snapshots.bucket "${repository.bucket}" must be an S3 bucket name`);
  }
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(repository.basePath)) {
    fail(owner, `snapshots.basePath "${repository.basePath}" must be a key prefix without leading or trailing '/'`);
  }
  return repository;
}

function snapshotSchedule(owner: string, props: ElasticsearchSnapshotScheduleProps, logIndex: string): SnapshotSchedule {
  const schedule = {
    name: props.name ?? elasticsearchSnapshotDefaults.policyName(logIndex),
    schedule: props.cron ?? "0 30 1 * * ?",
    expireAfter: props.expireAfter ?? "30d",
    minCount: props.minCount ?? 5,
    maxCount: props.maxCount ?? 50,
  };
  if (!isElasticsearchName(schedule.name)) {
    fail(owner, `snapshots.schedule.name "${schedule.name}" must be a lowercase Elasticsearch name (letters, digits, '.', '_', '-')`);
  }
  const fields = schedule.schedule.trim().split(/\s+/);
  if (fields.length < 6 || fields.length > 7 || !/^[0-9A-Za-z*?,/\-#L\s]+$/.test(schedule.schedule)) {
    fail(owner, `snapshots.schedule.cron "${schedule.schedule}" must be an Elasticsearch cron expression with seconds first, such as "0 30 1 * * ?"`);
  }
  validateTimeUnit(owner, "snapshots.schedule.expireAfter", schedule.expireAfter);
  // SLM deletes by age after each snapshot: under a day, the nightly schedule would keep only minCount snapshots.
  if (timeUnitSeconds(schedule.expireAfter) < 86_400) {
    fail(owner, `snapshots.schedule.expireAfter "${schedule.expireAfter}" must be at least a day (1d)`);
  }
  validateInteger(owner, "snapshots.schedule.minCount", schedule.minCount, 1);
  validateInteger(owner, "snapshots.schedule.maxCount", schedule.maxCount, schedule.minCount);
  return schedule;
}

function validateTimeUnit(owner: string, prop: string, value: string): void {
  if (!/^[1-9][0-9]*(d|h|m|s)$/.test(value)) {
    fail(owner, `${prop} "${value}" must be an Elasticsearch time unit such as 1d, 12h or 30m`);
  }
}

/** Seconds of an Elasticsearch time unit `validateTimeUnit` accepted. */
function timeUnitSeconds(value: string): number {
  const seconds = { d: 86_400, h: 3_600, m: 60, s: 1 } as const;
  return Number.parseInt(value, 10) * seconds[value.slice(-1) as keyof typeof seconds];
}

interface Resolved {
  readonly logIndex: string;
  readonly numberOfReplicas: number;
  readonly retention: { readonly retentionDays: number; readonly rolloverMaxAge: string; readonly rolloverMaxPrimaryShardSize: string };
}

function validate(owner: string, props: ElasticsearchBootstrapJobProps, resolved: Resolved): void {
  if (!isElasticsearchName(resolved.logIndex)) {
    fail(owner, `logIndex "${resolved.logIndex}" must be a lowercase data stream name (letters, digits, '.', '_', '-'; not starting with '.ds-')`);
  }
  validateInteger(owner, "retentionDays", resolved.retention.retentionDays, 1, 3650);
  validateTimeUnit(owner, "rolloverMaxAge", resolved.retention.rolloverMaxAge);
  if (!/^[1-9][0-9]*(b|kb|mb|gb|tb)$/.test(resolved.retention.rolloverMaxPrimaryShardSize)) {
    fail(owner, `rolloverMaxPrimaryShardSize "${resolved.retention.rolloverMaxPrimaryShardSize}" must be an Elasticsearch byte size such as 25gb`);
  }
  validateInteger(owner, "numberOfReplicas", resolved.numberOfReplicas, 0);
  if (resolved.numberOfReplicas > props.elasticsearch.nodeCount - 1) {
    fail(owner, `numberOfReplicas must be below the cluster's node count (${props.elasticsearch.nodeCount}): a replica never shares a node with its primary, so it would stay unassigned; got ${resolved.numberOfReplicas}`);
  }
}
