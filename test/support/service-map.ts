import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import type { RecordedResource } from "../../render/recorder";

/**
 * Every in-cluster Service a rendered stack will have, with its ports: the typed Services, the ones
 * each operator creates for its custom resources, and the ones the Helm charts create under the
 * names this project gives them. A test checks that every endpoint a resource is configured with
 * points at one of these.
 */
export function serviceMap(manifests: readonly KubernetesObject[], resources: readonly RecordedResource[]): Map<string, Set<number>> {
  const services = new Map<string, Set<number>>();
  const add = (name: string, namespace: string, ...ports: number[]): void => {
    const host = `${name}.${namespace}.svc.cluster.local`;
    const known = services.get(host) ?? new Set<number>();
    ports.forEach((p) => known.add(p));
    services.set(host, known);
  };
  for (const object of manifests) {
    const { name, namespace } = object.metadata;
    if (!name || !namespace) {
      continue;
    }
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    switch (object.kind) {
      case "Service":
        add(name, namespace, ...((spec.ports as { port: number }[] | undefined) ?? []).map((p) => p.port));
        break;
      case "NemoDatastore":
      case "NemoEntitystore":
      case "NemoCustomizer":
      case "NemoEvaluator":
      case "NemoGuardrail":
      case "NIMService":
        add(name, namespace, ((spec.expose as { service?: { port?: number } } | undefined)?.service?.port ?? 8000));
        break;
      case "Elasticsearch":
        add(`${name}-es-http`, namespace, 9200);
        break;
      case "Cluster":
        if (object.apiVersion.startsWith("postgresql.cnpg.io/")) {
          add(`${name}-rw`, namespace, 5432);
        }
        break;
      case "MongoDBCommunity":
        add(`${name}-svc`, namespace, 27017);
        for (let i = 0; i < Number(spec.members ?? 1); i++) {
          add(`${name}-${i}.${name}-svc`, namespace, 27017);
        }
        break;
    }
  }
  // Services of the charts, by the release and override names this project sets.
  const chartServices: Record<string, (release: string) => [string, number][]> = {
    "argo-workflows": (release) => [[`${release}-server`, 2746]],
    milvus: () => [["milvus", 19530]],
    mlflow: (release) => [[release, 80]],
    "prometheus-pushgateway": (release) => [[release, 9091]],
  };
  for (const release of resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release")) {
    const services = chartServices[String(release.inputs.chart)]?.(String(release.inputs.name)) ?? [];
    for (const [service, port] of services) {
      add(service, String(release.inputs.namespace), port);
    }
  }
  return services;
}

/** `host:port` of every http(s) URL, and every `{host, port}` pair, anywhere in a value. */
export function endpointsIn(value: unknown, path = ""): { path: string; host: string; port: number }[] {
  if (typeof value === "string") {
    const match = /^https?:\/\/([^/:]+)(?::(\d+))?/.exec(value);
    if (!match) {
      return [];
    }
    return [{ path, host: match[1], port: Number(match[2] ?? (value.startsWith("https") ? 443 : 80)) }];
  }
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => endpointsIn(v, `${path}[${i}]`));
  }
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const own = typeof record.host === "string" && typeof record.port === "number" ? [{ path: `${path}.host`, host: record.host, port: record.port }] : [];
    return [...own, ...Object.entries(record).flatMap(([k, v]) => endpointsIn(v, `${path}.${k}`))];
  }
  return [];
}

/** The pods behind an in-cluster host, with each Service port's pod port; or a name for a server outside the cluster. */
export type ServiceBackend =
  | { readonly kind: "pods"; readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly podPorts: ReadonlyMap<number, number> }
  | { readonly kind: "external"; readonly namespace: string };

/**
 * What the operators' and charts' Services select and where they forward, as their sources say
 * (NIM operator v3.1.2: `app: <name>`, Data Store on 3000, Evaluator on 7331; ECK, CloudNativePG
 * and the MongoDB operator's pod labels; the charts' selector labels for the release names set
 * here), and the typed Services' own selectors.
 */
export function serviceBackends(manifests: readonly KubernetesObject[], resources: readonly RecordedResource[]): Map<string, ServiceBackend> {
  const backends = new Map<string, ServiceBackend>();
  const add = (name: string, namespace: string, labels: Record<string, string>, ports: [number, number][]): void => {
    backends.set(`${name}.${namespace}.svc.cluster.local`, { kind: "pods", namespace, labels, podPorts: new Map(ports) });
  };
  const nimOperatorPodPorts: Record<string, number> = { NemoDatastore: 3000, NemoEvaluator: 7331 };
  for (const object of manifests) {
    const { name, namespace } = object.metadata;
    if (!name || !namespace) {
      continue;
    }
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    switch (object.kind) {
      case "Service": {
        if (spec.type === "ExternalName") {
          backends.set(`${name}.${namespace}.svc.cluster.local`, { kind: "external", namespace });
          break;
        }
        const selector = (spec.selector ?? {}) as Record<string, string>;
        const ports = (spec.ports ?? []) as { port: number; targetPort?: number | string }[];
        add(name, namespace, selector, ports.map((p) => [p.port, typeof p.targetPort === "string" ? namedPort(manifests, namespace, selector, p.targetPort) : (p.targetPort ?? p.port)]));
        break;
      }
      case "NemoDatastore":
      case "NemoEntitystore":
      case "NemoCustomizer":
      case "NemoEvaluator":
      case "NemoGuardrail":
      case "NIMService": {
        const port = (spec.expose as { service?: { port?: number } } | undefined)?.service?.port ?? 8000;
        add(name, namespace, { app: name, ...((spec.labels ?? {}) as Record<string, string>) }, [[port, nimOperatorPodPorts[object.kind] ?? port]]);
        break;
      }
      case "Elasticsearch": {
        const nodeSets = (spec.nodeSets ?? []) as { podTemplate?: { metadata?: { labels?: Record<string, string> } } }[];
        add(`${name}-es-http`, namespace, { ...nodeSets[0]?.podTemplate?.metadata?.labels, "elasticsearch.k8s.elastic.co/cluster-name": name }, [[9200, 9200]]);
        break;
      }
      case "Cluster":
        if (object.apiVersion.startsWith("postgresql.cnpg.io/")) {
          add(`${name}-rw`, namespace, { "cnpg.io/cluster": name, "cnpg.io/instanceRole": "primary" }, [[5432, 5432]]);
        }
        break;
      case "MongoDBCommunity": {
        const template = (spec.statefulSet as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } } | undefined)?.spec?.template;
        const labels = { ...template?.metadata?.labels, app: `${name}-svc` };
        add(`${name}-svc`, namespace, labels, [[27017, 27017]]);
        for (let i = 0; i < Number(spec.members ?? 1); i++) {
          add(`${name}-${i}.${name}-svc`, namespace, labels, [[27017, 27017]]);
        }
        break;
      }
    }
  }
  const chartBackends: Record<string, (release: string) => [string, Record<string, string>, [number, number]][]> = {
    "argo-workflows": (release) => [[`${release}-server`, { "app.kubernetes.io/name": "argo-workflows-server", "app.kubernetes.io/instance": release }, [2746, 2746]]],
    milvus: (release) => [["milvus", { "app.kubernetes.io/name": "milvus", "app.kubernetes.io/instance": release, component: "standalone" }, [19530, 19530]]],
    mlflow: (release) => [[release, { "app.kubernetes.io/name": "mlflow", "app.kubernetes.io/instance": release }, [80, 5000]]],
    // prometheus-pushgateway 3.8.0 templates/_helpers.tpl (fullname is the release's name when it holds the chart's) and values `service.port`.
    "prometheus-pushgateway": (release) => [[release, { "app.kubernetes.io/name": "prometheus-pushgateway", "app.kubernetes.io/instance": release }, [9091, 9091]]],
  };
  for (const release of resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release")) {
    for (const [service, labels, ports] of chartBackends[String(release.inputs.chart)]?.(String(release.inputs.name)) ?? []) {
      add(service, String(release.inputs.namespace), labels, [ports]);
    }
  }
  return backends;
}

/** The container port a Service's named target port names, in the workload its selector matches. */
function namedPort(manifests: readonly KubernetesObject[], namespace: string, selector: Record<string, string>, portName: string): number {
  for (const object of manifests.filter((m) => m.metadata.namespace === namespace && ["StatefulSet", "Deployment"].includes(m.kind))) {
    const template = (object.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { ports?: { name?: string; containerPort: number }[] }[] } } }).template;
    if (Object.entries(selector).every(([k, v]) => template?.metadata?.labels?.[k] === v)) {
      const port = template?.spec?.containers?.flatMap((c) => c.ports ?? []).find((p) => p.name === portName);
      if (port) {
        return port.containerPort;
      }
    }
  }
  throw new Error(`no container in ${namespace} matching ${JSON.stringify(selector)} has a port named ${portName}`);
}
