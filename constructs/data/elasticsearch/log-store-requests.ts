/**
 * The Elasticsearch API requests that set up the log store: an ILM retention policy, the timestamp
 * and writer ingest pipelines, the index template of the `flywheel` data stream, and in production an S3 snapshot
 * repository with a snapshot lifecycle policy. ECK has no resources for these, so the bootstrap Job
 * sends them; every request here is an idempotent PUT of the desired state.
 *
 * Why a data stream: the logs are append-only and expire by age. Deleting old documents from one
 * ever-growing index means delete-by-query and merges; a data stream rolls over to a new backing
 * index (daily, or earlier at the size cap) and ILM drops whole backing indices once they are older
 * than the retention. A document is therefore kept between `retentionDays` and `retentionDays` plus
 * one rollover period. The price: data streams only accept `create` operations (the logger must
 * index with `op_type=create` / bulk `create`, which `POST <stream>/_doc` does) and every document
 * needs `@timestamp`, which the ingest pipeline derives from the documents' `timestamp` field
 * (docs/log-contract.md), so producers need not send it.
 */

/** Names of what the bootstrap creates for one log data stream. */
export interface LogStoreNames {
  /** The data stream the application writes to and the flywheel reads (`flywheel` in the stacks). */
  readonly dataStream: string;
  /** Its index template. */
  readonly indexTemplate: string;
  /** The default ingest pipeline that normalises `timestamp`. */
  readonly timestampPipeline: string;
  /** The final ingest pipeline that stamps each document with the user who wrote it. */
  readonly writerPipeline: string;
  /** The ILM policy that rolls over and deletes backing indices. */
  readonly retentionPolicy: string;
}

export function logStoreNames(dataStream: string): LogStoreNames {
  return {
    dataStream,
    indexTemplate: dataStream,
    timestampPipeline: `${dataStream}-timestamp`,
    writerPipeline: `${dataStream}-writer`,
    retentionPolicy: `${dataStream}-retention`,
  };
}

/** Whether a string is a safe Elasticsearch index, data stream, repository or policy name. */
export function isElasticsearchName(value: string): boolean {
  // A strict subset of what Elasticsearch allows: lowercase, no wildcards or separators, not hidden.
  return value.length > 0 && value.length <= 200 && /^[a-z0-9][a-z0-9._-]*$/.test(value) && !value.startsWith(".ds-");
}

export interface RetentionSettings {
  /** Days a backing index is kept after it rolled over. */
  readonly retentionDays: number;
  /** Roll over when the write index is this old (an Elasticsearch time unit such as `1d`). */
  readonly rolloverMaxAge: string;
  /** Roll over when a primary shard reaches this size (such as `25gb`). */
  readonly rolloverMaxPrimaryShardSize: string;
}

/** `PUT _ilm/policy/<retentionPolicy>`: roll over in the hot phase, delete after the retention. */
export function retentionPolicyBody(settings: RetentionSettings): object {
  return {
    policy: {
      _meta: { description: `Deletes flywheel logs ${settings.retentionDays} days after their backing index rolled over.` },
      phases: {
        hot: {
          min_age: "0ms",
          actions: {
            rollover: { max_age: settings.rolloverMaxAge, max_primary_shard_size: settings.rolloverMaxPrimaryShardSize },
          },
        },
        delete: { min_age: `${settings.retentionDays}d`, actions: { delete: {} } },
      },
    },
  };
}

// Producers send ISO-8601, epoch millis or (the blueprint's data) epoch seconds, as numbers or as
// digit strings. Numbers below 10^11 are seconds (10^11 ms is March 1973, 10^11 s the year 5138)
// and become milliseconds, so `epoch_millis` reads them right; every epoch value becomes an integer
// number of milliseconds. ISO strings pass through untouched.
const normaliseEpochTimestamp = [
  "def value = ctx.timestamp;",
  "if (value instanceof String) {",
  "  String text = (String) value;",
  "  boolean numeric = text.length() > 0;",
  "  for (int i = 0; i < text.length(); ++i) {",
  "    char c = text.charAt(i);",
  "    if ((c < (char) '0' || c > (char) '9') && c != (char) '.') { numeric = false; break; }",
  "  }",
  "  if (numeric) { value = Double.parseDouble(text); }",
  "}",
  "if (value instanceof Number) {",
  "  double t = ((Number) value).doubleValue();",
  "  ctx.timestamp = t < 100000000000.0 ? Math.round(t * 1000.0) : Math.round(t);",
  "}",
].join("\n");

/** `PUT _ingest/pipeline/<timestampPipeline>`: the index's default pipeline (docs/log-contract.md, "Timestamps"). */
export function timestampPipelineBody(): object {
  return {
    description: "Flywheel logs: epoch-second timestamps become epoch millis; @timestamp (the data stream's time field) mirrors timestamp.",
    processors: [
      { script: { tag: "epoch-to-millis", if: "ctx.timestamp != null", lang: "painless", source: normaliseEpochTimestamp } },
      { date: { tag: "epoch-millis-to-@timestamp", if: "ctx.timestamp instanceof Number", field: "timestamp", target_field: "@timestamp", formats: ["UNIX_MS"] } },
      { date: { tag: "iso-to-@timestamp", if: "ctx.timestamp instanceof String", field: "timestamp", target_field: "@timestamp", formats: ["ISO8601"] } },
      // A record without a timestamp still lands; it is dated when it arrived.
      { set: { tag: "arrival-time", if: "ctx['@timestamp'] == null", field: "@timestamp", value: "{{{_ingest.timestamp}}}" } },
    ],
  };
}

/**
 * The field in which the final pipeline records the Elasticsearch user that wrote a document
 * (docs/log-contract.md, "Writers"); a run filters on it.
 */
export const writerField = "writer";

// Where set_security_user puts the user object before its username moves to `writer`; removed again.
const securityUserScratchField = "_flywheel_security_user";

/**
 * `PUT _ingest/pipeline/<writerPipeline>`: the index's final pipeline. It runs after the default or
 * a requested pipeline and a request cannot skip it (`?pipeline=_none` skips only the default one),
 * so what a producer sends as `writer` is always replaced by the user it authenticated as. Anything
 * it sent under the two fields is removed first: `rename` refuses an existing target, and only the
 * processor's own user object may reach it. A document that cannot be stamped is rejected (no
 * `ignore_failure`), never stored unstamped.
 */
export function writerPipelineBody(): object {
  return {
    description: `Flywheel logs: ${writerField} is the Elasticsearch user that wrote the document, whatever the document said.`,
    processors: [
      { remove: { tag: "drop-claimed-writer", field: [writerField, securityUserScratchField], ignore_missing: true } },
      { set_security_user: { tag: "authenticated-user", field: securityUserScratchField, properties: ["username"] } },
      { rename: { tag: "username-to-writer", field: `${securityUserScratchField}.username`, target_field: writerField } },
      { remove: { tag: "drop-user-object", field: securityUserScratchField } },
    ],
  };
}

export interface IndexTemplateSettings {
  readonly names: LogStoreNames;
  /** Replicas of each shard (0 on a single node, where a replica could never be assigned). */
  readonly numberOfReplicas: number;
}

/** `PUT _index_template/<indexTemplate>`: the data stream, its mapping, pipelines and ILM policy. */
export function indexTemplateBody(settings: IndexTemplateSettings): object {
  return {
    // The exact stream name, no wildcard: other indices (the flywheel's scratch indices) stay untouched.
    index_patterns: [settings.names.dataStream],
    data_stream: {},
    // Above the built-in templates (priority 100), so nothing else can claim the name.
    priority: 500,
    template: {
      settings: {
        "index.number_of_shards": 1,
        "index.number_of_replicas": settings.numberOfReplicas,
        "index.default_pipeline": settings.names.timestampPipeline,
        "index.final_pipeline": settings.names.writerPipeline,
        "index.lifecycle.name": settings.names.retentionPolicy,
      },
      mappings: {
        // Unknown fields are kept in _source but not indexed: messy producers cannot explode the mapping.
        dynamic: false,
        properties: {
          "@timestamp": { type: "date" },
          timestamp: { type: "date", format: "strict_date_optional_time||epoch_millis" },
          workload_id: { type: "keyword" },
          client_id: { type: "keyword" },
          [writerField]: { type: "keyword" },
          // Stored, never indexed: the flywheel reads them from _source.
          request: { type: "object", enabled: false },
          response: { type: "object", enabled: false },
        },
      },
    },
    _meta: { description: "Production LLM calls for the data flywheel (flywheel spec §1).", managed_by: "data-flywheel ElasticsearchBootstrapJob" },
  };
}

/**
 * `PUT <dataStream>/_settings`: the final pipeline on the stream's existing backing indices too. A
 * template reaches only indices created after it, so without this the current write index would
 * take unstamped documents until it rolls over.
 */
export function finalPipelineSettingsBody(names: LogStoreNames): object {
  return { "index.final_pipeline": names.writerPipeline };
}

/** Where snapshots go. Credentials come from the Elasticsearch pods' IAM role (IRSA), never from here. */
export interface S3SnapshotRepository {
  /** Name of the snapshot repository in Elasticsearch. */
  readonly name: string;
  /** S3 bucket. */
  readonly bucket: string;
  /** Key prefix inside the bucket. */
  readonly basePath: string;
}

/** `PUT _snapshot/<name>`. Elasticsearch verifies the repository (writes a test blob) before it answers. */
export function s3RepositoryBody(repository: S3SnapshotRepository): object {
  return { type: "s3", settings: { bucket: repository.bucket, base_path: repository.basePath } };
}

/** A snapshot lifecycle (SLM) policy: when to snapshot the log data stream and how long to keep snapshots. */
export interface SnapshotSchedule {
  /** Name of the SLM policy. */
  readonly name: string;
  /** Elasticsearch cron expression (seconds first), such as `0 30 1 * * ?`. */
  readonly schedule: string;
  /** Delete snapshots older than this (such as `30d`)... */
  readonly expireAfter: string;
  /** ...but always keep at least this many... */
  readonly minCount: number;
  /** ...and never more than this many. */
  readonly maxCount: number;
}

/** `PUT _slm/policy/<name>`. */
export function snapshotPolicyBody(schedule: SnapshotSchedule, repository: string, dataStream: string): object {
  return {
    schedule: schedule.schedule,
    name: `<${dataStream}-snap-{now/d}>`,
    repository,
    config: { indices: [dataStream], include_global_state: true },
    retention: { expire_after: schedule.expireAfter, min_count: schedule.minCount, max_count: schedule.maxCount },
  };
}
