import { Chart, Testing } from "cdk8s";
import { JudgeProxy, type JudgeProxyProps } from "../../../constructs/flywheel/judge-proxy";
import { judgeProxyService } from "../../../flywheel-job/src/contract";
import { podSecurityViolations, type PodSecuritySpec } from "../../../policies/lib/pod-security";

const image = `ghcr.io/acme/flywheel-job@sha256:${"b".repeat(64)}`;

const props: JudgeProxyProps = {
  name: "judge-proxy",
  namespace: "flywheel",
  image,
  upstreamUrl: "https://integrate.api.nvidia.com/v1/",
  apiKey: { name: "judge-proxy-key", key: "JUDGE_API_KEY" },
};

interface Container {
  name: string;
  image: string;
  imagePullPolicy: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
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
  spec: {
    type?: string;
    selector: Record<string, string> & { matchLabels?: Record<string, string> };
    ports?: { name: string; port: number; targetPort: string }[];
    replicas?: number;
    template: {
      metadata: { labels: Record<string, string> };
      spec: PodSecuritySpec & {
        automountServiceAccountToken: boolean;
        terminationGracePeriodSeconds: number;
        nodeSelector?: Record<string, string>;
        containers: Container[];
        volumes: { name: string; secret: { secretName: string; items: { key: string; path: string }[]; defaultMode: number } }[];
      };
    };
  };
}

function synth(overrides: Partial<JudgeProxyProps> = {}): { proxy: JudgeProxy; objects: Synthesized[] } {
  const chart = new Chart(Testing.app(), "test");
  const proxy = new JudgeProxy(chart, "judge", { ...props, ...overrides });
  return { proxy, objects: Testing.synth(chart) as Synthesized[] };
}

const { proxy, objects } = synth();
const [service] = objects.filter((o) => o.kind === "Service");
const [deployment] = objects.filter((o) => o.kind === "Deployment");
const pod = deployment.spec.template.spec;
const [container] = pod.containers;

describe("JudgeProxy", () => {
  it("is a Deployment and a ClusterIP Service on the contract's port, and nothing else", () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(["Deployment", "Service"]);
    expect(service.metadata).toMatchObject({ name: "judge-proxy", namespace: "flywheel" });
    expect(service.spec.type).toBe("ClusterIP");
    expect(service.spec.ports).toEqual([{ name: "http", port: judgeProxyService.port, targetPort: "http" }]);
    expect(container.ports).toEqual([{ name: "http", containerPort: judgeProxyService.port }]);
  });

  it("gives the evaluations the Service's in-cluster OpenAI base URL", () => {
    expect(proxy.baseUrl).toBe(`http://judge-proxy.flywheel.svc.cluster.local:${judgeProxyService.port}/v1`);
  });

  it("labels its pods with the judge-proxy component, which the Service and NetworkPolicies select", () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(labels).toMatchObject({ "app.kubernetes.io/component": judgeProxyService.component, "app.kubernetes.io/part-of": "data-flywheel" });
    expect(proxy.podLabels).toEqual(labels);
    expect(labels).toMatchObject(service.spec.selector);
    expect(labels).toMatchObject(deployment.spec.selector.matchLabels ?? {});
    expect(service.spec.selector).toHaveProperty(["app.kubernetes.io/component"], judgeProxyService.component);
  });

  it("runs the job image's judge-proxy command against the judge, with the key mounted as a file", () => {
    expect(container.image).toBe(image);
    expect(container.args).toEqual(judgeProxyService.arguments("https://integrate.api.nvidia.com/v1", "/etc/judge-proxy/api-key"));
    expect(pod.volumes).toEqual([{ name: "api-key", secret: { secretName: "judge-proxy-key", items: [{ key: "JUDGE_API_KEY", path: "api-key" }], defaultMode: 0o440 } }]);
    expect(container.volumeMounts).toEqual([{ name: "api-key", mountPath: "/etc/judge-proxy", readOnly: true }]);
  });

  it("keeps the key out of the environment and the manifest", () => {
    expect(container.envFrom).toBeUndefined();
    expect(container.env.map((e) => e.name)).toEqual(["NODE_OPTIONS"]);
    expect(JSON.stringify(objects)).not.toMatch(/nvapi-/);
  });

  it("runs hardened: restricted Pod Security, no service-account token, bounded resources", () => {
    expect(podSecurityViolations({ spec: pod }, "restricted")).toEqual([]);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.resources).toEqual({ requests: { cpu: "50m", memory: "96Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
    expect(container.env).toEqual([{ name: "NODE_OPTIONS", value: "--max-old-space-size=192" }]);
  });

  it("probes /healthz and gives the requests in flight the upstream timeout to finish", () => {
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: judgeProxyService.healthPath, port: "http" });
    }
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(judgeProxyService.upstreamTimeoutSeconds);
    expect(deployment.spec.replicas).toBe(1);
  });

  it("takes resources and a node selector from props", () => {
    const custom = synth({ resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "1Gi" } }, nodeSelector: { "node-role": "system" } });
    const customPod = custom.objects.find((o) => o.kind === "Deployment")!.spec.template.spec;
    expect(customPod.nodeSelector).toEqual({ "node-role": "system" });
    expect(customPod.containers[0].env).toEqual([{ name: "NODE_OPTIONS", value: "--max-old-space-size=768" }]);
  });

  it.each<[string, Partial<JudgeProxyProps>, RegExp]>([
    ["an image pinned by tag", { image: "ghcr.io/acme/flywheel-job:1.0.0" }, /^JudgeProxy flywheel\/judge-proxy: image "ghcr.io\/acme\/flywheel-job:1.0.0" must be pinned by digest/],
    ["an image without a tag or digest", { image: "ghcr.io/acme/flywheel-job" }, /image .* must be pinned by digest/],
    ["an empty image", { image: "" }, /image "" must be pinned by digest/],
    ["a plain-http judge", { upstreamUrl: "http://judge.example/v1" }, /upstreamUrl "http:\/\/judge.example\/v1" must be an https:\/\/ URL/],
    ["a judge URL with a query", { upstreamUrl: "https://judge.example/v1?key=x" }, /upstreamUrl .* must not have a query or fragment/],
    ["a bad Secret key", { apiKey: { name: "judge-proxy-key", key: "not a key" } }, /apiKey.key "not a key" is not a valid Secret key/],
    ["a bad name", { name: "Judge_Proxy" }, /name "Judge_Proxy" must be a DNS-1123 label/],
    ["a request above its limit", { resources: { requests: { cpu: "1", memory: "96Mi" }, limits: { cpu: "500m", memory: "256Mi" } } }, /resources.requests.cpu \(1\) exceeds resources.limits.cpu/],
  ])("refuses %s", (_what, overrides, message) => {
    expect(() => synth(overrides)).toThrow(message);
  });
});
