import { Chart, Testing } from "cdk8s";
import { ConfigMap, Service, ServiceAccount } from "kubernetes-models/v1";
import { StatefulSet } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";

/** A synthesised Kubernetes object, as plain JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are untyped JSON; tests index into them freely
export type Manifest = Record<string, any>;

/** Synthesises what `build` adds to a fresh chart. */
export function synth(build: (chart: Chart) => void): Manifest[] {
  const chart = new Chart(Testing.app(), "test");
  build(chart);
  return Testing.synth(chart) as Manifest[];
}

/** The objects of one kind. */
export function ofKind(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** The one object of a kind (and name); fails the test when there is not exactly one. */
export function only(manifests: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = ofKind(manifests, kind).filter((m) => name === undefined || m.metadata?.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` named ${name}` : ""}, found ${found.length}: ${ofKind(manifests, kind).map((m) => m.metadata?.name).join(", ")}`);
  }
  return found[0];
}

// Core kinds these constructs emit, checked against the Kubernetes OpenAPI schema.
type CoreModel = new (data: never) => { validate(): void };
const coreModels: Record<string, CoreModel> = { ConfigMap, Service, ServiceAccount, StatefulSet, Job, Role, RoleBinding };

/** Validates every core object against the Kubernetes schema; throws with the first problem. */
export function expectValidCoreObjects(manifests: readonly Manifest[]): void {
  for (const manifest of manifests) {
    const Model = coreModels[manifest.kind] as (new (data: Manifest) => { validate(): void }) | undefined;
    if (Model) new Model(manifest).validate();
  }
}

function containersOf(manifest: Manifest): Manifest[] {
  const podSpec = manifest.spec?.template?.spec ?? manifest.spec?.jobTemplate?.spec?.template?.spec;
  return podSpec ? [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])] : [];
}

const credentialName = /PASS|SECRET|TOKEN|AUTH|KEY/i;
const privateMaterial = /-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/;

/**
 * Asserts the manifests carry no secret values: no Secret objects, every credential-like env var
 * comes from a Secret reference, and no key or certificate material appears anywhere.
 */
export function expectNoSecretValues(manifests: readonly Manifest[]): void {
  expect(ofKind(manifests, "Secret")).toEqual([]);
  for (const manifest of manifests) {
    for (const container of containersOf(manifest)) {
      for (const env of container.env ?? []) {
        if (credentialName.test(env.name) && env.name !== "AWS_WEB_IDENTITY_TOKEN_FILE") {
          // The object carries the context a failure message needs.
          expect({ container: container.name, env: env.name, value: env.value }).toEqual({ container: container.name, env: env.name, value: undefined });
          expect(env.valueFrom?.secretKeyRef?.name).toEqual(expect.any(String));
        }
      }
    }
  }
  expect(JSON.stringify(manifests)).not.toMatch(privateMaterial);
}
