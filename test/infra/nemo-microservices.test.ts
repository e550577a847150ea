import type { RenderedStack } from "../../render/render-stack";
import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import { namespaces } from "../../infra/platform/namespaces";
import { input, ofType } from "../support/resources";
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

/** Every string value in a JSON tree. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(strings);
  return [];
}

const inNamespace = (stack: RenderedStack, kind: string, namespace: string): KubernetesObject[] =>
  stack.manifests.filter((m) => m.kind === kind && m.metadata.namespace === namespace);

/**
 * The Secrets of `nemo` that nothing in `nemo` names: no NeMo resource, NIM resource, Job or Helm
 * release of the namespace. Any Workflow in `nemo` can mount any of its Secrets, so each one must be
 * one a NeMo pod needs.
 */
function unreferencedNemoSecrets(stack: RenderedStack): string[] {
  const objects = stack.manifests.filter((m) => m.metadata.namespace === namespaces.nemo && m.kind !== "Secret");
  const releases = ofType(stack.resources, "kubernetes:helm.sh/v3:Release").filter((r) => input(r, "namespace") === namespaces.nemo);
  const referenced = new Set([...objects.flatMap((o) => strings(o.spec)), ...releases.flatMap((r) => strings(input(r, "values")))]);
  return inNamespace(stack, "Secret", namespaces.nemo).map((s) => s.metadata.name ?? "").filter((name) => !referenced.has(name));
}

describe("where the NeMo services' secrets live", () => {
  it.each(stacks)("%s: every Secret in nemo is one a NeMo pod or chart there names", (stack) => {
    expect(inNamespace(rendered[stack], "Secret", namespaces.nemo).length).toBeGreaterThan(0);
    expect(unreferencedNemoSecrets(rendered[stack])).toEqual([]);
  });

  it("gives nemo the NGC API key only where Customizer or a NIM there downloads models (not local)", () => {
    // A Secret Pulumi writes, or one the External Secrets Operator writes from an ExternalSecret of the same name (prod).
    const names = (stack: RenderedStack) => [...inNamespace(stack, "Secret", namespaces.nemo), ...inNamespace(stack, "ExternalSecret", namespaces.nemo)].map((s) => s.metadata.name);
    expect(names(rendered.dev)).toContain("ngc-api");
    expect(names(rendered.prod)).toContain("ngc-api");
    expect(names(rendered.local)).not.toContain("ngc-api");
    expect(names(rendered.local)).toContain("nvcr-pull");
  });

  it("finds a Secret in nemo that nothing there names", () => {
    const stray: KubernetesObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "stray-credentials", namespace: namespaces.nemo } };
    expect(unreferencedNemoSecrets({ ...rendered.prod, manifests: [...rendered.prod.manifests, stray] })).toEqual(["stray-credentials"]);
  });

  it("keeps RDS's master credentials and the bootstrap Job out of nemo, in nemo-db beside copies of the owners' passwords", () => {
    const prod = rendered.prod;
    expect(inNamespace(prod, "Secret", namespaces.nemo).map((s) => s.metadata.name)).not.toContain("pg-admin");
    expect(inNamespace(prod, "Job", namespaces.nemo)).toEqual([]);
    const [job] = inNamespace(prod, "Job", namespaces.nemoDatabase);
    expect(job.metadata.name).toMatch(/^nemo-postgres-bootstrap-/);
    const podSpec = (job.spec as { template: { spec: { containers: { env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string } } }[] }[] } } }).template.spec;
    const env = podSpec.containers[0].env;
    // It reaches RDS through the ExternalName Service in nemo, whose full name resolves from any namespace.
    expect(env).toContainEqual({ name: "PGHOST", value: `nemo-postgres.${namespaces.nemo}.svc.cluster.local` });
    const secretsRead = new Set(env.flatMap((e) => (e.valueFrom ? [e.valueFrom.secretKeyRef.name] : [])));
    expect(new Set(inNamespace(prod, "Secret", namespaces.nemoDatabase).map((s) => s.metadata.name))).toEqual(secretsRead);
    expect(secretsRead).toContain("pg-admin");
  });

  it("gives Data Store's owner to CloudNativePG in every stack, and to the bootstrap Job (RDS) only the other owners", () => {
    const roles = (stack: RenderedStack) => {
      const [cluster] = inNamespace(stack, "Cluster", namespaces.nemo);
      return (cluster.spec as { managed: { roles: { name: string; passwordSecret: { name: string } }[] } }).managed.roles.map((r) => `${r.name}:${r.passwordSecret.name}`);
    };
    expect(roles(rendered.prod)).toEqual(["datastore:pg-datastore"]);
    expect(roles(rendered.dev)).toEqual(expect.arrayContaining(["datastore:pg-datastore", "entitystore:pg-entitystore", "evaluator:pg-evaluator", "mlflow:pg-mlflow"]));
    const copies = inNamespace(rendered.prod, "Secret", namespaces.nemoDatabase).map((s) => s.metadata.name);
    expect(copies).toContain("pg-entitystore");
    expect(copies).not.toContain("pg-datastore");
  });

  it("creates nemo-db only where there are master credentials to keep apart (RDS)", () => {
    expect(rendered.prod.manifests.filter((m) => m.kind === "Namespace").map((n) => n.metadata.name)).toContain(namespaces.nemoDatabase);
    for (const stack of [rendered.dev, rendered.local]) {
      expect(stack.manifests.filter((m) => m.kind === "Namespace").map((n) => n.metadata.name)).not.toContain(namespaces.nemoDatabase);
      expect(stack.manifests.filter((m) => m.metadata.namespace === namespaces.nemoDatabase)).toEqual([]);
    }
  });
});

describe("what a Workflow in nemo runs as", () => {
  it("gets only the chart's executor Role (workflowtaskresults create and patch): no extra rules, agent or artifact-GC permissions, no token Secret", () => {
    for (const stack of stacks) {
      const [argo] = ofType(rendered[stack].resources, "kubernetes:helm.sh/v3:Release").filter((r) => input(r, "chart") === "argo-workflows");
      expect(input(argo, "values", "workflow")).toMatchObject({
        serviceAccount: { create: true, name: "argo-workflows-executor", createSecret: false },
        rbac: { create: true, agentPermissions: false, artifactGC: false, serviceAccounts: [], rules: [] },
      });
      // Evaluator sends no token (NemoEvaluator has only endpoint and serviceAccount): server mode stays.
      expect(input(argo, "values", "server", "authModes")).toEqual(["server"]);
    }
  });
});
