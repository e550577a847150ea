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
