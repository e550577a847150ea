import type { Chart } from "cdk8s";
import { ElasticsearchExporter, type ElasticsearchExporterProps } from "../../../constructs/monitoring";
import { type Manifest, expectNoSecretValues, expectValidCoreObjects, only, synth } from "../data/support";

const props: ElasticsearchExporterProps = {
  name: "logs-exporter",
  namespace: "data",
  image: "quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0",
  elasticsearchUrl: "https://logs-es-http.data.svc:9200",
  credentials: { secretName: "logs-user-metrics", usernameKey: "username", passwordKey: "password" },
  ca: { configMapName: "logs-ca", key: "ca.crt" },
};

function exporter(overrides: Partial<ElasticsearchExporterProps> = {}) {
  let construct: ElasticsearchExporter | undefined;
  const manifests = synth((chart: Chart) => { construct = new ElasticsearchExporter(chart, "exporter", { ...props, ...overrides }); });
  const pod = only(manifests, "Deployment").spec.template.spec as Manifest;
  return { construct: construct as ElasticsearchExporter, manifests, pod, container: pod.containers[0] as Manifest };
}

describe("ElasticsearchExporter", () => {
  test("reads every node's stats over HTTPS verified against the CA, listening on its metrics port", () => {
    const { container, pod } = exporter();
    expect(container.args).toEqual(["--es.uri=https://logs-es-http.data.svc:9200", "--es.all", "--es.ca=/etc/elasticsearch-ca/ca.crt", "--web.listen-address=:9114"]);
    expect(container.ports).toEqual([{ name: "metrics", containerPort: 9114 }]);
    expect(pod.volumes).toEqual([{ name: "ca", configMap: { name: "logs-ca", items: [{ key: "ca.crt", path: "ca.crt" }] } }]);
    expect(container.args.join(" ")).not.toContain("ssl-skip-verify");
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "metrics" });
  });

  test("with snapshots, also runs the snapshots and SLM collectors the backup alert reads", () => {
    const { container } = exporter({ snapshots: true });
    expect(container.args).toEqual(["--es.uri=https://logs-es-http.data.svc:9200", "--es.all", "--collector.snapshots", "--collector.slm", "--es.ca=/etc/elasticsearch-ca/ca.crt", "--web.listen-address=:9114"]);
  });

  test("takes its user from the Secret, never from its arguments", () => {
    const { container } = exporter();
    expect(container.env).toEqual([
      { name: "ES_USERNAME", valueFrom: { secretKeyRef: { name: "logs-user-metrics", key: "username" } } },
      { name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: "logs-user-metrics", key: "password" } } },
    ]);
  });

  test("meets the restricted Pod Security level, with no service account token", () => {
    const { pod, container } = exporter();
    expect(pod).toMatchObject({ automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.resources.limits).toEqual({ cpu: "200m", memory: "128Mi" });
  });

  test("a ClusterIP Service on the metrics port, labelled as the construct says a ServiceMonitor selects it", () => {
    const { manifests, construct } = exporter();
    const service = only(manifests, "Service");
    expect(service.metadata.labels).toEqual(construct.labels);
    expect(service.spec).toMatchObject({ type: "ClusterIP", ports: [{ name: "metrics", port: 9114, targetPort: "metrics" }] });
    expectValidCoreObjects(manifests);
    expectNoSecretValues(manifests);
  });

  const owner = "ElasticsearchExporter data/logs-exporter";
  test.each([
    [{ image: "quay.io/prometheuscommunity/elasticsearch-exporter" }, `${owner}: image "quay.io/prometheuscommunity/elasticsearch-exporter" must be pinned`],
    [{ elasticsearchUrl: "http://logs-es-http.data.svc:9200" }, `${owner}: elasticsearchUrl "http://logs-es-http.data.svc:9200" must be an https://host[:port] URL`],
    [{ elasticsearchUrl: "https://user:pw@logs:9200" }, `${owner}: elasticsearchUrl "https://user:pw@logs:9200" must be an https://host[:port] URL`],
    [{ credentials: { ...props.credentials, passwordKey: "pass word" } }, `${owner}: credentials.passwordKey "pass word" is not a valid Secret key`],
    [{ ca: { configMapName: "Logs-CA", key: "ca.crt" } }, `${owner}: ca.configMapName "Logs-CA"`],
    [{ resources: { requests: { cpu: "lots", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } }, `${owner}: resources.requests.cpu`],
  ] as [Partial<ElasticsearchExporterProps>, string][])("refuses %j", (overrides, message) => {
    expect(() => exporter(overrides)).toThrow(message);
  });
});
