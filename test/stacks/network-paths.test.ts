import { parse } from "yaml";
import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import type { RenderedStack } from "../../render/render-stack";
import { shippedStacks } from "../../render/stack-files";
import { renderedStack } from "../support/rendered-stacks";
import { endpointsIn, type ServiceBackend, serviceBackends } from "../support/service-map";
import { runStateNaming } from "../../infra/platform/run-state";

/**
 * The NetworkPolicies of each shipped stack against its wiring: every endpoint a component is
 * configured with is allowed from the component's pods to the pods behind it, on their port (and
 * out on the Service's port too, which the VPC CNI's agent may match), and every policy between pods
 * serves some endpoint or is one of the paths below that no configuration names.
 */

type Labels = Readonly<Record<string, string>>;
interface Selector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  readonly namespaceSelector?: Selector;
  readonly podSelector?: Selector;
  readonly ipBlock?: { cidr: string };
}
interface Rule {
  readonly peers: readonly Peer[];
  readonly ports: readonly { protocol: string; port: number }[];
}
interface Policy {
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: Selector;
  readonly egress?: readonly Rule[];
  readonly ingress?: readonly Rule[];
}
interface Caller {
  readonly what: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly endpoints: readonly { path: string; host: string; port: number }[];
}

/** Paths between pods that no configured endpoint names, and why each exists. */
const nonEndpointPaths: Record<string, string> = {
  "flywheel-job-to-candidate-nims": "the NIMServices the job creates at run time",
  "nim-operator-to-candidate-nims": "the operator's readiness check of the run's NIMs",
  "nim-operator-to-flywheel-embedding": "the operator's readiness check",
  "candidate-nims-to-nemo-entitystore": "the PEFT source the job sets on its NIMServices at run time",
  "candidate-nims-to-nemo-datastore": "LoRA adapter files behind that PEFT source",
  "evaluator-workflows-to-candidate-nims": "the target of the job bodies the flywheel sends at run time",
  "evaluator-workflows-to-judge-proxy": "the judge of those job bodies",
  "evaluator-workflows-to-nemo-datastore": "workflow pods download the evaluation dataset",
  "evaluator-workflows-to-nemo-evaluator": "workflow pods report results",
  "evaluator-workflows-to-nemo-entitystore": "workflow pods read model entities",
  "training-pods-to-nemo-datastore": "Customizer's training pods, created at run time",
  "training-pods-to-nemo-entitystore": "Customizer's training pods, created at run time",
  "training-pods-to-mlflow": "Customizer's training pods, created at run time",
  "training-pods-to-nemo-customizer": "Customizer's training pods, created at run time",
  "eck-operator-to-elasticsearch": "operator: cluster management",
  "cnpg-operator-to-nemo-postgres": "operator: instance status and the database",
  "mongodb-operator-to-mongodb": "operator: replica-set configuration",
  "elasticsearch-to-elasticsearch": "replication: transport between nodes",
  "mongodb-to-mongodb": "replication between members",
  "nemo-postgres-to-nemo-postgres": "replication between instances",
  "prometheus-to-prometheus": "scrape: Prometheus's own ServiceMonitor (kube-prometheus-stack), every replica",
  "prometheus-to-prometheus-operator": "scrape: the operator's ServiceMonitor",
  "prometheus-to-kube-state-metrics": "scrape: kube-state-metrics's ServiceMonitor",
  "prometheus-to-grafana": "scrape: Grafana's ServiceMonitor",
  "prometheus-to-pushgateway": "scrape: the Pushgateway's ServiceMonitor",
  "prometheus-to-dcgm-exporter": "scrape: the DCGM exporter's ServiceMonitor, which the GPU operator creates",
  "prometheus-to-flywheel-embedding": "scrape: the NIMService's ServiceMonitor, which the NIM operator creates",
  "prometheus-to-flywheel-api": "scrape: the Flywheel API's ServiceMonitor",
  "prometheus-to-nemo-postgres": "scrape: CloudNativePG's PodMonitor (port metrics)",
  "cnpg-operator-to-barman-cloud-plugin": "CNPG-I: the operator finds the plugin by its Service's annotations, with backups",
  "prometheus-to-external-secrets": "scrape: the External Secrets Operator's PodMonitor (port metrics), with aws-secrets-manager",
  "prometheus-to-candidate-nims": "scrape: the ServiceMonitors the NIM operator makes for the NIMServices a run creates",
  "prometheus-to-elasticsearch-exporter": "scrape: the Elasticsearch exporter's ServiceMonitor",
  "prometheus-to-mongodb": "scrape: MongoDB's ServiceMonitor (port prometheus, which spec.prometheus opens)",
  "prometheus-to-redis": "scrape: Redis's ServiceMonitor (its exporter sidecar's port metrics)",
  "elasticsearch-exporter-to-elasticsearch": "the exporter's --es.uri, an argument rather than an environment variable",
  "grafana-to-prometheus": "Grafana's data source, which kube-prometheus-stack writes itself",
  "nim-operator-to-serving-models": "the operator's readiness check of the served models",
  "prometheus-to-serving-models": "scrape: the ServiceMonitors the NIM operator makes for the served models",
};

function matches(selector: Selector | undefined, labels: Labels): boolean {
  if (!selector) {
    return true;
  }
  return (
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    (selector.matchExpressions ?? []).every((r) => {
      const value = labels[r.key];
      switch (r.operator) {
        case "Exists":
          return value !== undefined;
        case "DoesNotExist":
          return value === undefined;
        case "In":
          return value !== undefined && (r.values ?? []).includes(value);
        default:
          return value === undefined || !(r.values ?? []).includes(value);
      }
    })
  );
}

/** Whether a peer of a policy in `policyNamespace` names pods with `labels` in `namespace`. */
function peerSelects(peer: Peer, policyNamespace: string, namespace: string, labels: Labels): boolean {
  if (peer.ipBlock) {
    return false;
  }
  const peerNamespace = peer.namespaceSelector ? matches(peer.namespaceSelector, { "kubernetes.io/metadata.name": namespace }) : namespace === policyNamespace;
  return peerNamespace && matches(peer.podSelector, labels);
}

function policiesOf(manifests: readonly KubernetesObject[]): Policy[] {
  return manifests
    .filter((m) => m.kind === "NetworkPolicy")
    .map((m) => {
      const spec = m.spec as { podSelector: Selector; egress?: { to?: Peer[]; ports?: Rule["ports"] }[]; ingress?: { from?: Peer[]; ports?: Rule["ports"] }[] };
      return {
        name: m.metadata.name ?? "",
        namespace: m.metadata.namespace ?? "",
        podSelector: spec.podSelector,
        egress: spec.egress?.map((r) => ({ peers: r.to ?? [], ports: r.ports ?? [] })),
        ingress: spec.ingress?.map((r) => ({ peers: r.from ?? [], ports: r.ports ?? [] })),
      };
    });
}

const podTemplateLabels = (template: unknown): Labels => ((template as { metadata?: { labels?: Labels } } | undefined)?.metadata?.labels ?? {});

/** A configuration without verify platform's denied sample: addresses it checks do not connect. */
function withoutDeniedSample(config: unknown): unknown {
  const sample = (config as { networkSample?: { denied?: unknown } } | undefined)?.networkSample;
  return sample?.denied === undefined ? config : { ...(config as object), networkSample: { ...sample, denied: [] } };
}

/** `host:port` of each member of a `mongodb://`, `redis://` or `rediss://` URL. */
function dataUrlEndpoints(path: string, url: string): Caller["endpoints"] {
  const hosts = /^(?:mongodb|rediss?):\/\/(?:[^@/]*@)?([^/?]+)/.exec(url)?.[1] ?? "";
  return hosts.split(",").map((hostPort) => ({ path, host: hostPort.split(":")[0], port: Number(hostPort.split(":")[1]) }));
}

/** Every component of a render that is configured with endpoints, with its pods' labels. */
function callersOf(rendered: RenderedStack): Caller[] {
  const callers: Caller[] = [];
  for (const object of rendered.manifests) {
    const { name = "", namespace = "" } = object.metadata;
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    const what = `${object.kind} ${namespace}/${name}`;
    if (object.apiVersion.startsWith("apps.nvidia.com/") && object.kind !== "NIMCache") {
      callers.push({ what, namespace, labels: { app: name, ...((spec.labels ?? {}) as Labels) }, endpoints: endpointsIn(spec, what) });
    } else if (object.kind === "CronJob") {
      const jobTemplate = (spec.jobTemplate as { spec: { template: { spec: { volumes?: { configMap?: { name: string } }[]; containers: { env?: { value?: string }[] }[] } } } }).spec.template;
      const configs = (jobTemplate.spec.volumes ?? []).flatMap((v) => rendered.manifests.filter((m) => m.kind === "ConfigMap" && m.metadata.namespace === namespace && m.metadata.name === v.configMap?.name));
      const fromConfig = configs.flatMap((c) => Object.values((c.data ?? {}) as Record<string, string>).flatMap((text) => endpointsIn(withoutDeniedSample(parse(text)), `${what} ${c.metadata.name}`)));
      // The data services' URLs reach the job in the connections Secret, whose values are the stack's outputs.
      const outputs = rendered.outputs as { elasticsearch: { url: string }; mongodb: { url: string }; redis: { url: string } };
      const envFrom = jobTemplate.spec.containers.flatMap((c) => (c as { envFrom?: { secretRef?: { name: string } }[] }).envFrom ?? []);
      const fromSecret = !envFrom.some((e) => e.secretRef?.name === runStateNaming.connectionsSecret) ? [] : [
        ...endpointsIn(outputs.elasticsearch.url, `${what} ELASTICSEARCH_URL`),
        ...dataUrlEndpoints(`${what} MONGODB_URL`, outputs.mongodb.url),
        ...dataUrlEndpoints(`${what} REDIS_URL`, outputs.redis.url),
      ];
      // And the URLs the stack sets in the job's environment (FLYWHEEL_PUSHGATEWAY_URL, FLYWHEEL_MLFLOW_URL).
      const fromEnv = endpointsIn(jobTemplate.spec.containers.flatMap((c) => (c.env ?? []).map((e) => e.value)), what);
      // And a connection string on a command line without its password (mongodump's `--uri=` in the MongoDB backup).
      const podSpec = jobTemplate.spec as { initContainers?: { args?: string[] }[]; containers: { args?: string[] }[] };
      const fromArgs = [...(podSpec.initContainers ?? []), ...podSpec.containers].flatMap((c) =>
        (c.args ?? []).filter((arg) => arg.startsWith("--uri=")).flatMap((arg) => dataUrlEndpoints(`${what} --uri`, arg.slice("--uri=".length))),
      );
      callers.push({ what, namespace, labels: podTemplateLabels(jobTemplate), endpoints: [...fromConfig, ...fromSecret, ...fromEnv, ...fromArgs] });
    } else if (object.kind === "Deployment" && namespace === "flywheel") {
      // This project's Deployments (the judge proxy, the Flywheel API): URLs in their environment, and
      // the store's connection string, whose value is the stack's output, by reference to the connections Secret.
      const template = spec.template as { spec: { containers: { env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string } } }[] }[] } };
      const env = template.spec.containers.flatMap((c) => c.env ?? []);
      const outputs = rendered.outputs as { mongodb: { url: string } };
      const fromSecret = env.filter((e) => e.valueFrom?.secretKeyRef?.key === "MONGODB_URL").flatMap(() => dataUrlEndpoints(`${what} MONGODB_URL`, outputs.mongodb.url));
      callers.push({ what, namespace, labels: podTemplateLabels(template), endpoints: [...endpointsIn(env.map((e) => e.value), what), ...fromSecret] });
    } else if (object.kind === "Job") {
      const template = spec.template as { spec: { containers: { env?: { value?: string }[] }[] } };
      callers.push({ what, namespace, labels: podTemplateLabels(template), endpoints: endpointsIn(template.spec.containers.map((c) => c.env ?? []), what) });
    }
  }
  const chartPods: Record<string, (release: string) => Labels> = {
    mlflow: (release) => ({ "app.kubernetes.io/name": "mlflow", "app.kubernetes.io/instance": release }),
  };
  for (const release of rendered.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release")) {
    const labels = chartPods[String(release.inputs.chart)]?.(String(release.inputs.name));
    if (labels) {
      const what = `Helm release ${String(release.inputs.name)}`;
      callers.push({ what, namespace: String(release.inputs.namespace), labels, endpoints: endpointsIn(release.inputs.values, what) });
    }
  }
  return callers;
}

const fullHost = (host: string): string => (host.endsWith(".svc") ? `${host}.cluster.local` : host);
const hasPort = (rule: Rule, port: number): boolean => rule.ports.some((p) => p.protocol === "TCP" && p.port === port);

interface Check {
  readonly problems: string[];
  /** Names of the policies some endpoint needs. */
  readonly used: Set<string>;
  readonly policies: Policy[];
  readonly managed: Set<string>;
}

function check(rendered: RenderedStack): Check {
  const policies = policiesOf(rendered.manifests);
  const managed = new Set(policies.filter((p) => p.name === "default-deny").map((p) => p.namespace));
  const backends = serviceBackends(rendered.manifests, rendered.resources);
  // An ExternalName Service names RDS, whose addresses are in the private subnets (its DB subnet group's).
  const serverCidrs = rendered.resources
    .filter((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.includes("-private-"))
    .map((r) => String(r.inputs.cidrBlock));
  // The server an ExternalName Service names, which verify platform reaches by its own address (RDS's certificate names it).
  const externalServers = new Set(
    rendered.resources
      .filter((r) => r.type === "kubernetes:core/v1:Service" && (r.inputs.spec as { type?: string } | undefined)?.type === "ExternalName")
      .map((r) => String((r.inputs.spec as { externalName?: unknown }).externalName)),
  );
  const problems: string[] = [];
  const used = new Set<string>();
  const egressOf = (caller: Caller): { policy: Policy; rule: Rule }[] =>
    policies
      .filter((p) => p.namespace === caller.namespace && matches(p.podSelector, caller.labels))
      .flatMap((policy) => (policy.egress ?? []).map((rule) => ({ policy, rule })));

  for (const caller of callersOf(rendered)) {
    for (const endpoint of caller.endpoints) {
      const host = fullHost(endpoint.host);
      const backend: ServiceBackend | undefined = backends.get(host);
      const at = `${endpoint.path} → ${endpoint.host}:${endpoint.port}`;
      if (!host.endsWith(".svc.cluster.local") || backend?.kind === "external") {
        // Outside the cluster: the internet, or (ExternalName) a server in the VPC's private subnets.
        const cidrs = backend?.kind === "external" || externalServers.has(host) ? serverCidrs : ["0.0.0.0/0"];
        const found = egressOf(caller).filter(({ rule }) => hasPort(rule, endpoint.port) && cidrs.length > 0 && cidrs.every((cidr) => rule.peers.some((peer) => peer.ipBlock?.cidr === cidr)));
        found.forEach(({ policy }) => used.add(policy.name));
        if (found.length === 0) {
          problems.push(`${at}: no egress to ${cidrs.join(", ") || "(no private subnets)"} on ${endpoint.port}`);
        }
        continue;
      }
      if (!backend) {
        problems.push(`${at}: no Service`);
        continue;
      }
      const podPort = backend.podPorts.get(endpoint.port);
      if (podPort === undefined) {
        problems.push(`${at}: the Service has no port ${endpoint.port}`);
        continue;
      }
      const out = egressOf(caller).filter(
        ({ rule }) => hasPort(rule, podPort) && hasPort(rule, endpoint.port) && rule.peers.some((peer) => peerSelects(peer, caller.namespace, backend.namespace, backend.labels)),
      );
      out.forEach(({ policy }) => used.add(policy.name));
      if (managed.has(caller.namespace) && out.length === 0) {
        problems.push(`${at}: no egress from ${caller.namespace} ${JSON.stringify(caller.labels)} to ${backend.namespace} ${JSON.stringify(backend.labels)} on ${podPort} and ${endpoint.port}`);
      }
      const into = policies
        .filter((p) => p.namespace === backend.namespace && matches(p.podSelector, backend.labels))
        .filter((p) => (p.ingress ?? []).some((rule) => hasPort(rule, podPort) && rule.peers.some((peer) => peerSelects(peer, p.namespace, caller.namespace, caller.labels))));
      into.forEach((policy) => used.add(policy.name));
      if (managed.has(backend.namespace) && into.length === 0) {
        problems.push(`${at}: no ingress into ${backend.namespace} ${JSON.stringify(backend.labels)} on ${podPort} from ${caller.namespace} ${JSON.stringify(caller.labels)}`);
      }
    }
  }
  return { problems, used, policies, managed };
}

/** The path a policy between pods of managed namespaces was generated from, if it is one. */
function podPathOf(policy: Policy, managed: Set<string>): string | undefined {
  const rules = policy.egress ?? policy.ingress ?? [];
  const betweenPods = rules.some((rule) =>
    rule.peers.some((peer) => !peer.ipBlock && managed.has(peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] ?? policy.namespace)),
  );
  return betweenPods ? policy.name.replace(/-(egress|ingress)$/, "") : undefined;
}

describe.each(shippedStacks())("the network paths of %s", (stack) => {
  let result: Check;
  let rendered: RenderedStack;
  beforeAll(async () => {
    rendered = await renderedStack(stack);
    result = check(rendered);
  });

  it("deny by default in every namespace the stack creates, and write policies nowhere else", () => {
    const created = rendered.manifests.filter((m) => m.kind === "Namespace").map((m) => m.metadata.name);
    expect([...result.managed].sort()).toEqual([...created].sort());
    expect(result.policies.filter((p) => !result.managed.has(p.namespace))).toEqual([]);
  });

  it("allow every endpoint a component is configured with, from its pods to the pods behind it", () => {
    expect(result.problems).toEqual([]);
  });

  it("allow between pods only what some endpoint needs, or a path no configuration names (operators, replication, run-time pods)", () => {
    const unexplained = result.policies
      .filter((p) => !result.used.has(p.name))
      .map((p) => podPathOf(p, result.managed))
      .filter((path): path is string => path !== undefined && !(path in nonEndpointPaths));
    expect([...new Set(unexplained)]).toEqual([]);
  });
});

describe("the list of paths no configuration names", () => {
  it("names only paths some shipped stack has", async () => {
    const paths = new Set<string>();
    for (const stack of shippedStacks()) {
      const { policies, managed } = check(await renderedStack(stack));
      policies.forEach((p) => paths.add(podPathOf(p, managed) ?? ""));
    }
    expect(Object.keys(nonEndpointPaths).filter((path) => !paths.has(path))).toEqual([]);
  });
});
