import type { RenderedStack } from "../../render/render-stack";
import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import {
  isPodSecurityLevel,
  podSecurityAuditLabel,
  podSecurityEnforceLabel,
  podSecurityViolations,
  podSecurityWarnLabel,
  type PodSecurityLevel,
  type PodSecurityTemplate,
} from "../../policies/lib/pod-security";
import { namespaces, podSecurityLevels, type NamespaceKey } from "../../infra/platform/namespaces";
import { renderedStack } from "../support/rendered-stacks";

const stacks = ["dev", "prod", "local"] as const;
let rendered: Record<(typeof stacks)[number], RenderedStack>;

beforeAll(async () => {
  // One after another: a render in this worker holds Pulumi's global runtime.
  const dev = await renderedStack("dev");
  const prod = await renderedStack("prod");
  const local = await renderedStack("local");
  rendered = { dev, prod, local };
});

/** A pod template the stack writes, and where it sits in its object. */
interface WrittenPod {
  readonly object: KubernetesObject;
  readonly path: string;
  readonly template: PodSecurityTemplate;
}

/** Where each kind keeps the pod template(s) the stack writes: workloads, and the CRs whose templates the operators start from. */
const templatePaths: Record<string, (object: KubernetesObject) => [string, unknown][]> = {
  Deployment: (o) => [["spec.template", (o.spec as { template?: unknown }).template]],
  StatefulSet: (o) => [["spec.template", (o.spec as { template?: unknown }).template]],
  DaemonSet: (o) => [["spec.template", (o.spec as { template?: unknown }).template]],
  Job: (o) => [["spec.template", (o.spec as { template?: unknown }).template]],
  CronJob: (o) => [["spec.jobTemplate.spec.template", (o.spec as { jobTemplate: { spec: { template?: unknown } } }).jobTemplate.spec.template]],
  Elasticsearch: (o) => ((o.spec as { nodeSets: { podTemplate?: unknown }[] }).nodeSets).map((set, i): [string, unknown] => [`spec.nodeSets[${i}].podTemplate`, set.podTemplate]),
  MongoDBCommunity: (o) => [["spec.statefulSet.spec.template", (o.spec as { statefulSet?: { spec?: { template?: unknown } } }).statefulSet?.spec?.template]],
};

function writtenPods(stack: RenderedStack): WrittenPod[] {
  return stack.manifests.flatMap((object) =>
    (templatePaths[object.kind]?.(object) ?? [])
      .filter(([, template]) => template !== undefined)
      .map(([path, template]) => ({ object, path, template: template as PodSecurityTemplate })),
  );
}

/** Each rendered Namespace's enforce level. */
function enforcedLevels(stack: RenderedStack): Map<string, PodSecurityLevel> {
  const levels = new Map<string, PodSecurityLevel>();
  for (const ns of stack.manifests.filter((m) => m.kind === "Namespace")) {
    const level = ns.metadata.labels?.[podSecurityEnforceLabel];
    if (isPodSecurityLevel(level)) levels.set(ns.metadata.name ?? "", level);
  }
  return levels;
}

function violations(stack: RenderedStack): string[] {
  const levels = enforcedLevels(stack);
  return writtenPods(stack).flatMap(({ object, path, template }) => {
    const namespace = object.metadata.namespace ?? "";
    const level = levels.get(namespace);
    if (level === undefined) return [`${object.kind} ${namespace}/${object.metadata.name}: namespace "${namespace}" has no enforce level`];
    return podSecurityViolations(template, level, `${path}.spec`).map((problem) => `${object.kind} ${namespace}/${object.metadata.name} (${level}): ${problem}`);
  });
}

describe.each(stacks)("Pod Security in the %s stack", (stack) => {
  it("labels every namespace it creates with its level to enforce, and warns and audits at restricted", () => {
    const created = rendered[stack].manifests.filter((m) => m.kind === "Namespace");
    const keyOf = new Map<string, NamespaceKey>(Object.entries(namespaces).map(([key, name]) => [name, key as NamespaceKey]));
    expect(created.length).toBeGreaterThan(0);
    for (const ns of created) {
      const key = keyOf.get(ns.metadata.name ?? "");
      expect(key).toBeDefined();
      expect(ns.metadata.labels).toMatchObject({
        [podSecurityEnforceLabel]: podSecurityLevels[key as NamespaceKey],
        [podSecurityWarnLabel]: "restricted",
        [podSecurityAuditLabel]: "restricted",
      });
    }
  });

  it("writes only pods that pass their namespace's level", () => {
    expect(writtenPods(rendered[stack]).length).toBeGreaterThan(0);
    expect(violations(rendered[stack])).toEqual([]);
  });

  it("writes only restricted pods where the stack's own pods are the only ones (no operator's or chart's pod template)", () => {
    const own = writtenPods(rendered[stack]).filter(({ object }) => ["StatefulSet", "Job", "CronJob"].includes(object.kind));
    expect(own.flatMap(({ object, path, template }) => podSecurityViolations(template, "restricted", `${object.kind}/${object.metadata.name}.${path}.spec`))).toEqual([]);
  });
});

describe("the check over the render", () => {
  it("finds a pod of the restricted nemo-db namespace that loses its seccomp profile", () => {
    const prod = rendered.prod;
    const job = prod.manifests.find((m) => m.kind === "Job" && m.metadata.namespace === namespaces.nemoDatabase);
    expect(job).toBeDefined();
    const weakened = structuredClone(job) as KubernetesObject & { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: { securityContext: Record<string, unknown> }[] } } } };
    delete weakened.spec.template.spec.securityContext.seccompProfile;
    delete weakened.spec.template.spec.containers[0].securityContext.seccompProfile;
    const others = prod.manifests.filter((m) => m !== job);
    expect(violations({ ...prod, manifests: [...others, weakened] })).toEqual([
      expect.stringMatching(/^Job nemo-db\/nemo-postgres-bootstrap-\w+ \(restricted\): spec\.template\.spec\.containers\[0\]\.securityContext\.seccompProfile\.type \(or the pod's\) must be RuntimeDefault or Localhost$/),
    ]);
  });

  it("finds a pod in a namespace without an enforce level", () => {
    const dev = rendered.dev;
    const cronJob = dev.manifests.find((m) => m.kind === "CronJob");
    expect(cronJob).toBeDefined();
    const elsewhere = { ...(cronJob as KubernetesObject), metadata: { ...(cronJob as KubernetesObject).metadata, namespace: "unlabelled" } };
    expect(violations({ ...dev, manifests: [elsewhere] })).toEqual([expect.stringContaining('namespace "unlabelled" has no enforce level')]);
  });
});

describe("disruption budgets in production", () => {
  const budgets = (stack: RenderedStack) => stack.manifests.filter((m) => m.kind === "PodDisruptionBudget");
  const spec = (object: KubernetesObject) => object.spec as Record<string, unknown>;

  it("keeps the MongoDB replica set's majority through a drain: one member at a time, by the operator's selector", () => {
    const mongo = rendered.prod.manifests.find((m) => m.kind === "MongoDBCommunity");
    expect(spec(mongo as KubernetesObject).members).toBe(3);
    expect(budgets(rendered.prod).filter((b) => b.metadata.namespace === "data").map((b) => ({ name: b.metadata.name, spec: b.spec }))).toEqual([
      { name: "flywheel-mongodb", spec: { maxUnavailable: 1, selector: { matchLabels: { app: "flywheel-mongodb-svc" } } } },
    ]);
  });

  it("keeps one of the Flywheel API's two replicas serving through a drain, selected as its Deployment selects them", () => {
    const api = rendered.prod.manifests.find((m) => m.kind === "Deployment" && m.metadata.name === "flywheel-api") as KubernetesObject;
    const deployment = spec(api) as { replicas: number; selector: unknown };
    expect(deployment.replicas).toBe(2);
    expect(budgets(rendered.prod).filter((b) => b.metadata.namespace === "flywheel").map((b) => ({ name: b.metadata.name, spec: b.spec }))).toEqual([
      { name: "flywheel-api", spec: { maxUnavailable: 1, selector: deployment.selector } },
    ]);
    expect(budgets(rendered.dev).filter((b) => b.metadata.name === "flywheel-api")).toEqual([]);
  });

  it("leaves Elasticsearch's budget to ECK, which makes a default one unless the resource turns it off", () => {
    const es = rendered.prod.manifests.find((m) => m.kind === "Elasticsearch") as KubernetesObject;
    const nodeSets = spec(es).nodeSets as { count: number }[];
    expect(nodeSets.reduce((sum, set) => sum + set.count, 0)).toBeGreaterThan(1);
    expect(spec(es).podDisruptionBudget).toBeUndefined();
  });

  it("writes a budget for every replicated StatefulSet or Deployment, and none for single replicas", () => {
    for (const stack of stacks) {
      const replicated = rendered[stack].manifests.filter((m) => ["StatefulSet", "Deployment"].includes(m.kind) && Number(spec(m).replicas ?? 1) > 1);
      const selected = budgets(rendered[stack]).map((b) => JSON.stringify((spec(b).selector as { matchLabels: unknown }).matchLabels));
      expect(replicated.filter((m) => !selected.includes(JSON.stringify((spec(m).selector as { matchLabels: unknown }).matchLabels)))).toEqual([]);
    }
    expect(budgets(rendered.dev)).toEqual([]);
    expect(budgets(rendered.local)).toEqual([]);
  });
});
