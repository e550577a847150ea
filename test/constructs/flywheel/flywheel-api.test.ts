import { Chart, Testing } from "cdk8s";
import { FlywheelApi, type FlywheelApiProps } from "../../../constructs/flywheel/flywheel-api";
import { flywheelApiEnvironment, flywheelApiPermissions, flywheelApiService } from "../../../flywheel-job/src/contract";
import { podSecurityViolations, type PodSecuritySpec } from "../../../policies/lib/pod-security";

const image = `ghcr.io/acme/flywheel-job@sha256:${"d".repeat(64)}`;

const props: FlywheelApiProps = {
  name: "flywheel-api",
  namespace: "flywheel",
  image,
  mongodbUrl: { name: "flywheel-data-connections", key: "MONGODB_URL" },
  nemo: { dataStoreUrl: "http://nemo-datastore.nemo.svc.cluster.local:8000/", entityStoreUrl: "http://nemo-entitystore.nemo.svc.cluster.local:8000" },
  tokens: { read: { name: "flywheel-api-read-token", key: "token" }, operator: { name: "flywheel-api-operator-token", key: "token" } },
};

interface Container {
  image: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[];
  envFrom?: unknown[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

interface Synthesized {
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  automountServiceAccountToken?: boolean;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
  spec: {
    type?: string;
    selector: Record<string, string> & { matchLabels?: Record<string, string> };
    ports?: { name: string; port: number; targetPort: string }[];
    replicas?: number;
    maxUnavailable?: number;
    ingressClassName?: string;
    tls?: { hosts: string[]; secretName: string }[];
    rules?: { host: string; http: { paths: { path: string; backend: { service: { name: string; port: { number: number } } } }[] } }[];
    template: {
      metadata: { labels: Record<string, string> };
      spec: PodSecuritySpec & {
        serviceAccountName: string;
        automountServiceAccountToken: boolean;
        topologySpreadConstraints?: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }[];
        containers: Container[];
        volumes: { name: string; projected: { defaultMode: number; sources: { secret: { name: string; items: { key: string; path: string }[] } }[] } }[];
      };
    };
  };
}

function synth(overrides: Partial<FlywheelApiProps> = {}): { api: FlywheelApi; objects: Synthesized[] } {
  const chart = new Chart(Testing.app(), "test");
  const api = new FlywheelApi(chart, "api", { ...props, ...overrides });
  return { api, objects: Testing.synth(chart) as Synthesized[] };
}
const ofKind = (objects: Synthesized[], kind: string): Synthesized[] => objects.filter((o) => o.kind === kind);

const { api, objects } = synth();
const [deployment] = ofKind(objects, "Deployment");
const pod = deployment.spec.template.spec;
const [container] = pod.containers;

describe("FlywheelApi", () => {
  it("serves `flywheel serve` from the job image on the contract's port, behind a ClusterIP Service", () => {
    const [service] = ofKind(objects, "Service");
    expect(service.spec.type).toBe("ClusterIP");
    expect(service.spec.ports).toEqual([{ name: "http", port: 8000, targetPort: "http" }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(container.image).toBe(image);
    expect(container.args).toEqual(flywheelApiService.arguments(15));
    expect(container.ports).toEqual([{ name: "http", containerPort: flywheelApiService.port }]);
    expect(api.url).toBe("http://flywheel-api.flywheel.svc.cluster.local:8000");
  });

  it("passes the start timeout it is given", () => {
    const [custom] = ofKind(synth({ startTimeoutMinutes: 40 }).objects, "Deployment");
    expect(custom.spec.template.spec.containers[0].args).toEqual(flywheelApiService.arguments(40));
  });

  it("probes liveness on the health path and readiness on the path that reaches the store", () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: flywheelApiService.healthPath, port: "http" });
    expect(container.readinessProbe.httpGet).toEqual({ path: flywheelApiService.readinessPath, port: "http" });
  });

  it("takes only the store's connection string from the job's Secret, the NeMo URLs as values, its namespace from the downward API", () => {
    expect(container.envFrom).toBeUndefined();
    const byName = Object.fromEntries(container.env.map((e) => [e.name, e.valueFrom ?? e.value]));
    expect(byName).toEqual({
      MONGODB_URL: { secretKeyRef: { name: "flywheel-data-connections", key: "MONGODB_URL" } },
      NEMO_DATA_STORE_URL: "http://nemo-datastore.nemo.svc.cluster.local:8000",
      NEMO_ENTITY_STORE_URL: "http://nemo-entitystore.nemo.svc.cluster.local:8000",
      FLYWHEEL_NAMESPACE: { fieldRef: { fieldPath: "metadata.namespace" } },
      NODE_OPTIONS: "--max-old-space-size=384 --max-semi-space-size=4",
    });
    // What the server says it reads: all of the required, and NeMo's two services by their own URLs.
    expect(Object.keys(byName)).toEqual(expect.arrayContaining([...flywheelApiEnvironment.required, "NEMO_DATA_STORE_URL", "NEMO_ENTITY_STORE_URL"]));
  });

  it("mounts the two tokens, and nothing else of a Secret, as the files its arguments name", () => {
    expect(container.volumeMounts).toEqual([{ name: "api-tokens", mountPath: flywheelApiService.tokenDirectory, readOnly: true }]);
    expect(pod.volumes).toEqual([{
      name: "api-tokens",
      projected: {
        defaultMode: 0o440,
        sources: [
          { secret: { name: "flywheel-api-read-token", items: [{ key: "token", path: flywheelApiService.tokenFiles.read }] } },
          { secret: { name: "flywheel-api-operator-token", items: [{ key: "token", path: flywheelApiService.tokenFiles.operator }] } },
        ],
      },
    }]);
    const files = pod.volumes[0].projected.sources.map((s) => `${flywheelApiService.tokenDirectory}/${s.secret.items[0].path}`);
    expect(container.args.filter((a) => a.startsWith(flywheelApiService.tokenDirectory))).toEqual(files);
  });

  it("with the stack's CA, mounts only its certificate and passes it as MONGODB_CA_FILE", () => {
    const [withCa] = ofKind(synth({ certificateAuthority: { name: "flywheel-elasticsearch-ca", key: "ca.crt" } }).objects, "Deployment");
    const spec = withCa.spec.template.spec;
    const [api] = spec.containers;
    expect(api.env).toContainEqual({ name: "MONGODB_CA_FILE", value: "/etc/flywheel/ca/ca.crt" });
    expect(api.volumeMounts).toContainEqual({ name: "certificate-authority", mountPath: "/etc/flywheel/ca", readOnly: true });
    expect(spec.volumes).toContainEqual({ name: "certificate-authority", configMap: { name: "flywheel-elasticsearch-ca", items: [{ key: "ca.crt", path: "ca.crt" }] } });
    expect(container.env.map((e) => e.name)).not.toContain("MONGODB_CA_FILE");
  });

  it("runs as its own service account, whose Role lists CronJobs and creates Jobs owned by them, in its namespace only", () => {
    const [account] = ofKind(objects, "ServiceAccount");
    const [role] = ofKind(objects, "Role");
    const [binding] = ofKind(objects, "RoleBinding");
    expect(ofKind(objects, "ClusterRole")).toEqual([]);
    expect(pod.serviceAccountName).toBe(account.metadata.name);
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(role.metadata.namespace).toBe("flywheel");
    expect(role.rules).toEqual([
      { apiGroups: ["batch"], resources: ["cronjobs"], verbs: ["list"] },
      { apiGroups: ["batch"], resources: ["cronjobs/finalizers"], verbs: ["update"] },
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create"] },
    ]);
    expect(role.rules).toEqual(flywheelApiPermissions.map((p) => ({ apiGroups: [p.apiGroup], resources: [p.resource], verbs: p.verbs })));
    expect(binding.roleRef).toMatchObject({ kind: "Role", name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: account.metadata.name, namespace: "flywheel" }]);
  });

  it("meets Pod Security restricted on a read-only root filesystem, with requests and limits", () => {
    expect(podSecurityViolations({ spec: pod }, "restricted")).toEqual([]);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(container.resources).toEqual({ requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } });
  });

  it("runs one replica without a budget or spread by default", () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(pod.topologySpreadConstraints).toBeUndefined();
    expect(ofKind(objects, "PodDisruptionBudget")).toEqual([]);
    expect(ofKind(objects, "Ingress")).toEqual([]);
    expect(api.ingressUrl).toBeUndefined();
  });

  it("spreads several replicas across nodes and zones and keeps all but one through a drain", () => {
    const replicated = synth({ replicas: 2 }).objects;
    const [d] = ofKind(replicated, "Deployment");
    const [budget] = ofKind(replicated, "PodDisruptionBudget");
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.topologySpreadConstraints?.map((c) => c.topologyKey)).toEqual(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
    expect(d.spec.template.spec.topologySpreadConstraints?.[0].labelSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
    expect(budget.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: d.spec.selector.matchLabels } });
  });

  it("adds an Ingress for the host, with its TLS Secret and class, to the Service's port", () => {
    const { api: exposed, objects: withIngress } = synth({ ingress: { host: "flywheel.example.com", tlsSecretName: "flywheel-api-tls", className: "nginx" } });
    const [ingress] = ofKind(withIngress, "Ingress");
    expect(ingress.spec.ingressClassName).toBe("nginx");
    expect(ingress.spec.tls).toEqual([{ hosts: ["flywheel.example.com"], secretName: "flywheel-api-tls" }]);
    expect(ingress.spec.rules?.[0].host).toBe("flywheel.example.com");
    expect(ingress.spec.rules?.[0].http.paths[0].backend.service).toEqual({ name: "flywheel-api", port: { number: 8000 } });
    expect(exposed.ingressUrl).toBe("https://flywheel.example.com");
  });

  const owner = "FlywheelApi flywheel/flywheel-api";
  it.each([
    [{ image: "ghcr.io/acme/flywheel-job:1.0" }, `${owner}: image "ghcr.io/acme/flywheel-job:1.0" must be pinned by digest (registry/repository@sha256:<digest>), so the API runs the program the CronJobs run`],
    [{ replicas: 0 }, `${owner}: replicas must be an integer ≥ 1, got 0`],
    [{ startTimeoutMinutes: 2.5 }, `${owner}: startTimeoutMinutes must be an integer ≥ 1, got 2.5`],
    [{ nemo: { ...props.nemo, dataStoreUrl: "nemo-datastore:8000" } }, `${owner}: nemo.dataStoreUrl "nemo-datastore:8000" must be an http:// or https:// URL`],
    [
      { tokens: { read: { name: "t", key: "token" }, operator: { name: "t", key: "token" } } },
      `${owner}: tokens.read and tokens.operator are the same Secret key (t/token): a read-only client would hold the operator's token`,
    ],
    [{ ingress: { host: "Flywheel", tlsSecretName: "tls" } }, `${owner}: ingress.host "Flywheel" must be a fully qualified DNS name in lower case, such as flywheel.example.com`],
    [{ ingress: { host: "flywheel.example.com", tlsSecretName: "TLS_secret" } }, `${owner}: ingress.tlsSecretName "TLS_secret" is not a valid Kubernetes object name (DNS-1123 subdomain)`],
    [{ resources: { requests: { cpu: "2", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } }, `${owner}: resources.requests.cpu (2) exceeds resources.limits.cpu (1)`],
  ] as [Partial<FlywheelApiProps>, string][])("refuses %j", (override, message) => {
    expect(() => synth(override)).toThrow(new Error(message));
  });
});
