import type { Chart } from "cdk8s";
import { ElasticsearchCluster, type ElasticsearchClusterProps } from "../../../constructs/data/elasticsearch/elasticsearch-cluster";
import { type Manifest, expectNoSecretValues, only, synth } from "./support";

const base: ElasticsearchClusterProps = {
  name: "logs",
  namespace: "data",
  httpTlsSecretName: "logs-http-tls",
  fileRealmSecretNames: ["es-flywheel-reader", "es-app-writer"],
  rolesSecretNames: ["es-log-roles"],
};

const production: ElasticsearchClusterProps = {
  ...base,
  nodeCount: 3,
  highAvailability: true,
  storage: { size: "100Gi", storageClass: "gp3" },
  resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } },
  jvmHeap: "2g",
  snapshots: { serviceAccountName: "es-snapshots", roleArnConfigMap: { name: "es-snapshots-role", key: "roleArn" }, region: "us-west-2" },
  nodeSelector: { "data-flywheel.io/node-pool": "system" },
};

function elasticsearch(props: ElasticsearchClusterProps) {
  let cluster: ElasticsearchCluster | undefined;
  const manifests = synth((chart: Chart) => { cluster = new ElasticsearchCluster(chart, "es", props); });
  const resource = only(manifests, "Elasticsearch", props.name);
  return { cluster: cluster as ElasticsearchCluster, manifests, resource, nodeSet: resource.spec.nodeSets[0] };
}

function container(nodeSet: Manifest): Manifest {
  return nodeSet.podTemplate.spec.containers.find((c: Manifest) => c.name === "elasticsearch");
}

describe("ElasticsearchCluster", () => {
  test("dev: one node of Elasticsearch 8 with a persistent data volume", () => {
    const { resource, nodeSet } = elasticsearch(base);
    expect(resource.apiVersion).toBe("elasticsearch.k8s.elastic.co/v1");
    expect(resource.metadata.namespace).toBe("data");
    expect(resource.spec.version).toMatch(/^8\.\d+\.\d+$/);
    expect(nodeSet.count).toBe(1);
    // ECK's default claim name, which also keeps its read-only root filesystem default.
    expect(nodeSet.volumeClaimTemplates).toEqual([
      { metadata: { name: "elasticsearch-data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } } } },
    ]);
    expect(nodeSet.zoneAwareness).toBeUndefined();
    expect(nodeSet.podTemplate.spec.affinity).toBeUndefined();
  });

  test("serves HTTPS with the Pulumi-issued certificate and exposes the in-cluster URL", () => {
    const { cluster, resource } = elasticsearch(base);
    expect(resource.spec.http).toEqual({ tls: { certificate: { secretName: "logs-http-tls" } } });
    expect(cluster.url).toBe("https://logs-es-http.data.svc:9200");
    expect(cluster.httpServiceName).toBe("logs-es-http");
    expect(ElasticsearchCluster.httpCertificateDnsNames("logs", "data")).toEqual(expect.arrayContaining([new URL(cluster.url).hostname, "logs-es-http.data.svc.cluster.local"]));
  });

  test("names the operator-generated Secrets the bootstrap needs", () => {
    const { cluster } = elasticsearch(base);
    expect(cluster.elasticUserSecretName).toBe("logs-es-elastic-user");
    expect(cluster.elasticUserSecretKey).toBe("elastic");
    expect(cluster.publicCertificatesSecretName).toBe("logs-es-http-certs-public");
  });

  test("users and roles come from the file-realm and roles Secrets", () => {
    const { resource } = elasticsearch(base);
    expect(resource.spec.auth).toEqual({
      fileRealm: [{ secretName: "es-flywheel-reader" }, { secretName: "es-app-writer" }],
      roles: [{ secretName: "es-log-roles" }],
    });
  });

  test("prod: three nodes on distinct hosts, spread over zones, with storage class, resources and heap", () => {
    const { nodeSet } = elasticsearch(production);
    expect(nodeSet.count).toBe(3);
    expect(nodeSet.zoneAwareness).toEqual({});
    expect(nodeSet.podTemplate.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { labelSelector: { matchLabels: { "elasticsearch.k8s.elastic.co/cluster-name": "logs" } }, topologyKey: "kubernetes.io/hostname" },
    ]);
    expect(nodeSet.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: "gp3", resources: { requests: { storage: "100Gi" } } });
    const es = container(nodeSet);
    expect(es.resources).toEqual({ requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } });
    expect(es.env).toContainEqual({ name: "ES_JAVA_OPTS", value: "-Xms2g -Xmx2g" });
    expect(nodeSet.podTemplate.spec.nodeSelector).toEqual({ "data-flywheel.io/node-pool": "system" });
  });

  test("S3 snapshots: IRSA service account and the web identity token where the repository reads it", () => {
    const { nodeSet } = elasticsearch(production);
    const pod = nodeSet.podTemplate.spec;
    expect(pod.serviceAccountName).toBe("es-snapshots");
    const es = container(nodeSet);
    const tokenFile = es.env?.find((e: Manifest) => e.name === "AWS_WEB_IDENTITY_TOKEN_FILE")?.value;
    // Elasticsearch 8 only reads the token from ${ES_PATH_CONF}/repository-s3/aws-web-identity-token-file.
    expect(tokenFile).toBe("/usr/share/elasticsearch/config/repository-s3/aws-web-identity-token-file");
    expect(es.env).toContainEqual({ name: "AWS_ROLE_ARN", valueFrom: { configMapKeyRef: { name: "es-snapshots-role", key: "roleArn" } } });
    const mount = es.volumeMounts?.find((m: Manifest) => m.mountPath === "/usr/share/elasticsearch/config/repository-s3");
    const volume = pod.volumes.find((v: Manifest) => v.name === mount?.name);
    expect(volume.projected.sources).toEqual([
      { serviceAccountToken: { audience: "sts.amazonaws.com", expirationSeconds: 86400, path: "aws-web-identity-token-file" } },
    ]);
  });

  test("without snapshots the pods get no AWS identity", () => {
    const { nodeSet } = elasticsearch(base);
    expect(nodeSet.podTemplate.spec.serviceAccountName).toBeUndefined();
    expect(nodeSet.podTemplate.spec.volumes).toBeUndefined();
    expect(container(nodeSet).env).toBeUndefined();
  });

  test("security contexts are left to ECK's defaults", () => {
    const { nodeSet } = elasticsearch(production);
    expect(nodeSet.podTemplate.spec.securityContext).toBeUndefined();
    expect(container(nodeSet).securityContext).toBeUndefined();
  });

  test("holds no secret values", () => {
    expectNoSecretValues(elasticsearch(production).manifests);
  });

  const owner = "ElasticsearchCluster data/logs";
  const version8 = "must be an Elasticsearch 8.x.y version: the flywheel's @elastic/elasticsearch 8 client and 9.x servers refuse each other";
  test.each([
    [{ nodeCount: 0 }, `${owner}: nodeCount must be an integer between 1 and 100, got 0`],
    [{ highAvailability: true, nodeCount: 1 }, `${owner}: nodeCount must be at least 3 when highAvailability is on (a master quorum that survives losing a node), got 1`],
    [{ version: "9.1.0" }, `${owner}: version "9.1.0" ${version8}`],
    [{ version: "8.19" }, `${owner}: version "8.19" ${version8}`],
    [{ jvmHeap: "3g" }, `${owner}: jvmHeap "3g" must be at most half of resources.limits.memory (2Gi): Elasticsearch needs the rest off-heap`],
    [{ jvmHeap: "2GB" }, `${owner}: jvmHeap "2GB" must be a JVM size such as 1g or 768m`],
    [{ fileRealmSecretNames: [] }, `${owner}: fileRealmSecretNames must name at least one user Secret: clients use least-privilege users, not the elastic superuser`],
    [
      { name: "a-name-that-is-far-too-long-for-eck-derived-names" },
      "ElasticsearchCluster data/a-name-that-is-far-too-long-for-eck-derived-names: name \"a-name-that-is-far-too-long-for-eck-derived-names\" must be a DNS-1123 label (lower-case letters, digits and '-', at most 36 characters)",
    ],
    [
      { snapshots: { serviceAccountName: "sa", roleArnConfigMap: { name: "Not_A_Name", key: "roleArn" } } },
      `${owner}: snapshots.roleArnConfigMap.name "Not_A_Name" is not a valid Kubernetes object name (DNS-1123 subdomain)`,
    ],
    [{ storage: { size: "lots" } }, `${owner}: storage.size "lots" is not a positive Kubernetes quantity such as 500m, 2 or 4Gi`],
    [{ resources: { requests: { cpu: "1", memory: "8Gi" }, limits: { cpu: "2", memory: "4Gi" } } }, `${owner}: resources.requests.memory (8Gi) exceeds resources.limits.memory (4Gi)`],
  ] as [Partial<ElasticsearchClusterProps>, string][])("rejects %j", (override, message) => {
    expect(() => elasticsearch({ ...base, ...override })).toThrow(new Error(message));
  });
});
