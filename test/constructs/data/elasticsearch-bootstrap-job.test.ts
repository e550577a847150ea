import type { Chart } from "cdk8s";
import { ElasticsearchBootstrapJob, type ElasticsearchBootstrapJobProps } from "../../../constructs/data/elasticsearch/elasticsearch-bootstrap-job";
import type { ElasticsearchEndpoint } from "../../../constructs/data/elasticsearch/elasticsearch-cluster";
import { type Manifest, expectNoSecretValues, expectValidCoreObjects, only, synth } from "./support";

const singleNode: ElasticsearchEndpoint = {
  namespace: "data",
  url: "https://logs-es-http.data.svc:9200",
  nodeCount: 1,
  elasticUserSecretName: "logs-es-elastic-user",
  publicCertificatesSecretName: "logs-es-http-certs-public",
};
const threeNodes: ElasticsearchEndpoint = { ...singleNode, nodeCount: 3 };
const base: ElasticsearchBootstrapJobProps = { name: "logs-bootstrap", elasticsearch: singleNode, retentionDays: 14 };
const production: ElasticsearchBootstrapJobProps = {
  ...base,
  elasticsearch: threeNodes,
  retentionDays: 30,
  snapshots: { bucket: "flywheel-es-snapshots", schedule: {} },
};

function bootstrap(props: ElasticsearchBootstrapJobProps) {
  let construct: ElasticsearchBootstrapJob | undefined;
  const manifests = synth((chart: Chart) => { construct = new ElasticsearchBootstrapJob(chart, "bootstrap", props); });
  const job = only(manifests, "Job");
  const files: Record<string, string> = only(manifests, "ConfigMap").data;
  const body = (file: string): Manifest => JSON.parse(files[file]);
  return { construct: construct as ElasticsearchBootstrapJob, manifests, job, files, body, pod: job.spec.template.spec };
}

describe("ElasticsearchBootstrapJob", () => {
  test("index template: the flywheel data stream with the mapping of docs/log-contract.md", () => {
    const template = bootstrap(base).body("index-template.json");
    expect(template.index_patterns).toEqual(["flywheel"]);
    expect(template.data_stream).toEqual({});
    expect(template.template.mappings).toEqual({
      dynamic: false,
      properties: {
        "@timestamp": { type: "date" },
        timestamp: { type: "date", format: "strict_date_optional_time||epoch_millis" },
        workload_id: { type: "keyword" },
        client_id: { type: "keyword" },
        writer: { type: "keyword" },
        request: { type: "object", enabled: false },
        response: { type: "object", enabled: false },
      },
    });
  });

  test("index template wires the timestamp pipeline, the writer pipeline as the final one, and the retention policy", () => {
    const { body, construct } = bootstrap(base);
    const settings = body("index-template.json").template.settings;
    expect(settings["index.default_pipeline"]).toBe(construct.names.timestampPipeline);
    // Final, not default: a request's `?pipeline=_none` skips the default pipeline but never the final one.
    expect(settings["index.final_pipeline"]).toBe(construct.names.writerPipeline);
    expect(construct.names.writerPipeline).toBe("flywheel-writer");
    expect(settings["index.lifecycle.name"]).toBe(construct.names.retentionPolicy);
  });

  test("writer pipeline: drops what the producer claimed, then stamps writer with the authenticated user's name", () => {
    const processors: Manifest[] = bootstrap(base).body("writer-pipeline.json").processors;
    expect(processors.map((p) => Object.keys(p)[0])).toEqual(["remove", "set_security_user", "rename", "remove"]);
    const scratch: string = processors[1].set_security_user.field;
    expect(processors[0].remove).toMatchObject({ field: ["writer", scratch], ignore_missing: true });
    expect(processors[1].set_security_user).toMatchObject({ properties: ["username"] });
    expect(processors[1].set_security_user).not.toHaveProperty("ignore_failure");
    expect(processors[2].rename).toMatchObject({ field: `${scratch}.username`, target_field: "writer" });
    expect(processors[3].remove).toMatchObject({ field: scratch });
    expect(processors[3].remove).not.toHaveProperty("ignore_missing");
  });

  test("the existing data stream's backing indices get the final pipeline too, not only the next rollover", () => {
    expect(bootstrap(base).body("data-stream-settings.json")).toEqual({ "index.final_pipeline": "flywheel-writer" });
  });

  test("replicas follow the cluster: none on one node, one on several", () => {
    expect(bootstrap(base).body("index-template.json").template.settings["index.number_of_replicas"]).toBe(0);
    expect(bootstrap(production).body("index-template.json").template.settings["index.number_of_replicas"]).toBe(1);
  });

  test("ingest pipeline turns epoch seconds (below 1e11) into millis and fills @timestamp", () => {
    const processors: Manifest[] = bootstrap(base).body("timestamp-pipeline.json").processors;
    const script = processors[0].script;
    expect(script.lang).toBe("painless");
    expect(script.source).toContain("t < 100000000000.0 ? Math.round(t * 1000.0) : Math.round(t)");
    expect(processors.slice(1).map((p) => Object.keys(p)[0])).toEqual(["date", "date", "set"]);
    expect(processors[1].date).toMatchObject({ field: "timestamp", target_field: "@timestamp", formats: ["UNIX_MS"] });
    expect(processors[2].date).toMatchObject({ field: "timestamp", target_field: "@timestamp", formats: ["ISO8601"] });
    expect(processors[3].set).toMatchObject({ field: "@timestamp", value: "{{{_ingest.timestamp}}}" });
  });

  test("ILM policy rolls over and deletes after the configured days", () => {
    const phases = bootstrap({ ...base, retentionDays: 45, rolloverMaxAge: "12h" }).body("retention-policy.json").policy.phases;
    expect(phases.hot.actions.rollover).toEqual({ max_age: "12h", max_primary_shard_size: "25gb" });
    expect(phases.delete).toEqual({ min_age: "45d", actions: { delete: {} } });
  });

  test("the script is idempotent: PUTs of desired state, the data stream created only when missing", () => {
    const script = bootstrap(production).files["bootstrap.sh"];
    const steps = script.split("\n").filter((line) => /^(put|ensure_data_stream|request) /.test(line));
    expect(steps).toEqual([
      "request \"cluster health\" GET \"/_cluster/health?wait_for_status=yellow&timeout=30s\"",
      "put 'ILM policy flywheel-retention' '/_ilm/policy/flywheel-retention' 'retention-policy.json'",
      "put 'ingest pipeline flywheel-timestamp' '/_ingest/pipeline/flywheel-timestamp' 'timestamp-pipeline.json'",
      "put 'ingest pipeline flywheel-writer' '/_ingest/pipeline/flywheel-writer' 'writer-pipeline.json'",
      "put 'index template flywheel' '/_index_template/flywheel' 'index-template.json'",
      "ensure_data_stream 'flywheel'",
      "put 'final pipeline of data stream flywheel' '/flywheel/_settings' 'data-stream-settings.json'",
      "put 'snapshot repository s3-snapshots' '/_snapshot/s3-snapshots' 'snapshot-repository.json'",
      "put 'snapshot policy flywheel-nightly' '/_slm/policy/flywheel-nightly' 'snapshot-policy.json'",
    ]);
    expect(script).not.toMatch(/DELETE|POST/);
    expect(script).toContain("request \"data stream $1\" GET \"/_data_stream/$1\"");
  });

  test("the script retries while Elasticsearch is unavailable and fails with the body on other errors", () => {
    const script = bootstrap(base).files["bootstrap.sh"];
    expect(script).toMatch(/000\|408\|429\|5\?\?\) ;;/);
    expect(script).toMatch(/\*\) fail "\$what" ;;/);
    expect(script).toContain("cat \"$work/body\" >&2");
    expect(script).toContain("delay=$((delay * 2))");
  });

  test("the elastic password reaches curl through a config file, never argv", () => {
    const script = bootstrap(base).files["bootstrap.sh"];
    expect(script).toContain("--config \"$work/curl.conf\"");
    expect(script).not.toMatch(/--user|-u /);
  });

  test("snapshots: S3 repository, and SLM only with a schedule", () => {
    const withSchedule = bootstrap(production);
    expect(withSchedule.body("snapshot-repository.json")).toEqual({ type: "s3", settings: { bucket: "flywheel-es-snapshots", base_path: "elasticsearch" } });
    expect(withSchedule.body("snapshot-policy.json")).toMatchObject({
      repository: "s3-snapshots",
      config: { indices: ["flywheel"] },
      retention: { expire_after: "30d", min_count: 5, max_count: 50 },
    });
    expect(withSchedule.construct.snapshotRepositoryName).toBe("s3-snapshots");
    const repositoryOnly = bootstrap({ ...production, snapshots: { bucket: "flywheel-es-snapshots" } });
    expect(Object.keys(repositoryOnly.files)).toContain("snapshot-repository.json");
    expect(Object.keys(repositoryOnly.files)).not.toContain("snapshot-policy.json");
    expect(Object.keys(bootstrap(base).files)).not.toContain("snapshot-repository.json");
  });

  test("uses the operator's elastic user and CA in the cluster's namespace", () => {
    const { job, pod } = bootstrap(base);
    expect(job.metadata.namespace).toBe("data");
    const env = pod.containers[0].env;
    expect(env).toContainEqual({ name: "ES_URL", value: "https://logs-es-http.data.svc:9200" });
    expect(env).toContainEqual({ name: "ELASTIC_PASSWORD", valueFrom: { secretKeyRef: { name: "logs-es-elastic-user", key: "elastic" } } });
    expect(pod.volumes).toContainEqual({ name: "ca", secret: { secretName: "logs-es-http-certs-public", items: [{ key: "ca.crt", path: "ca.crt" }] } });
  });

  test("Job hygiene: bounded, cleaned up, non-root, read-only root filesystem, resources set", () => {
    const { job, pod } = bootstrap(base);
    expect(job.spec).toMatchObject({ backoffLimit: 3, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86400 });
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 100 });
    const container = pod.containers[0];
    expect(container.image).toMatch(/^curlimages\/curl:\d+\.\d+\.\d+$/);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(container.resources.requests).toEqual({ cpu: "10m", memory: "16Mi" });
    expect(container.resources.limits).toEqual({ cpu: "200m", memory: "64Mi" });
  });

  test("the Job mounts its own immutable ConfigMap, both named with a content hash", () => {
    const { job, manifests, pod, construct } = bootstrap(base);
    const configMap = only(manifests, "ConfigMap");
    expect(configMap.immutable).toBe(true);
    expect(job.metadata.name).toMatch(/^logs-bootstrap-[0-9a-f]{10}$/);
    expect(configMap.metadata.name).toBe(job.metadata.name);
    expect(construct.jobName).toBe(job.metadata.name);
    expect(pod.volumes).toContainEqual({ name: "bootstrap", configMap: { name: configMap.metadata.name } });
  });

  test("a changed template or retention gives a new Job; the same input the same Job", () => {
    const name = (props: ElasticsearchBootstrapJobProps) => bootstrap(props).job.metadata.name;
    expect(name(base)).toBe(name({ ...base }));
    expect(name({ ...base, retentionDays: 15 })).not.toBe(name(base));
    expect(name({ ...base, logIndex: "llm-logs" })).not.toBe(name(base));
    expect(name({ ...base, resources: { requests: { cpu: "20m", memory: "16Mi" }, limits: { cpu: "200m", memory: "64Mi" } } })).not.toBe(name(base));
  });

  test("every core object validates; no secret values", () => {
    const { manifests } = bootstrap(production);
    expectValidCoreObjects(manifests);
    expectNoSecretValues(manifests);
  });

  const owner = "ElasticsearchBootstrapJob data/logs-bootstrap";
  test.each([
    [{ retentionDays: 0 }, `${owner}: retentionDays must be an integer between 1 and 3650, got 0`],
    [{ numberOfReplicas: 1 }, `${owner}: numberOfReplicas must be below the cluster's node count (1): a replica never shares a node with its primary, so it would stay unassigned; got 1`],
    [{ logIndex: "Flywheel*" }, `${owner}: logIndex "Flywheel*" must be a lowercase data stream name (letters, digits, '.', '_', '-'; not starting with '.ds-')`],
    [{ rolloverMaxAge: "1 day" }, `${owner}: rolloverMaxAge "1 day" must be an Elasticsearch time unit such as 1d, 12h or 30m`],
    [{ snapshots: { bucket: "Bad_Bucket" } }, `${owner}: snapshots.bucket "Bad_Bucket" must be an S3 bucket name`],
    [{ snapshots: { bucket: "b-1", schedule: { cron: "daily" } } }, `${owner}: snapshots.schedule.cron "daily" must be an Elasticsearch cron expression with seconds first, such as "0 30 1 * * ?"`],
    [{ snapshots: { bucket: "b-1", schedule: { minCount: 10, maxCount: 5 } } }, `${owner}: snapshots.schedule.maxCount must be an integer ≥ 10, got 5`],
    [{ snapshots: { bucket: "b-1", schedule: { expireAfter: "23h" } } }, `${owner}: snapshots.schedule.expireAfter "23h" must be at least a day (1d)`],
    [
      { name: "a-base-name-so-long-that-the-hash-does-not-fit-any-more-x" },
      "ElasticsearchBootstrapJob data/a-base-name-so-long-that-the-hash-does-not-fit-any-more-x: name \"a-base-name-so-long-that-the-hash-does-not-fit-any-more-x\" must be at most 52 characters (the Job name adds a 10-character content hash)",
    ],
    [{ backoffLimit: -1 }, `${owner}: backoffLimit must be an integer between 0 and 20, got -1`],
    [{ maxAttempts: 0 }, `${owner}: maxAttempts must be an integer between 1 and 1000, got 0`],
    [{ resources: { requests: { cpu: "10m", memory: "128Mi" }, limits: { cpu: "200m", memory: "64Mi" } } }, `${owner}: resources.requests.memory (128Mi) exceeds resources.limits.memory (64Mi)`],
    [{ nodeSelector: { "bad key": "x" } }, `${owner}: nodeSelector key "bad key" is not a label key`],
  ] as [Partial<ElasticsearchBootstrapJobProps>, string][])("rejects %j", (override, message) => {
    expect(() => bootstrap({ ...base, ...override })).toThrow(new Error(message));
  });
});
