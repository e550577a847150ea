import type { KubernetesObject } from "../../lib/kubernetes-object";
import { namespaceSecretsUsed } from "../../policies/namespace-secrets-used";
import { stackViolations } from "../support/policy-review";
import { cpuDeployment, edit, helmRelease, kubernetesResource, nimService, type TestResource } from "../support/fixtures";

function secret(name: string, namespace = "nemo"): KubernetesObject {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, type: "Opaque", stringData: { password: "[secret]" } };
}

const inNemo = (object: KubernetesObject): KubernetesObject => ({ ...object, metadata: { ...object.metadata, namespace: "nemo" } });
const evaluator: KubernetesObject = {
  apiVersion: "apps.nvidia.com/v1alpha1",
  kind: "NemoEvaluator",
  metadata: { name: "nemo-evaluator", namespace: "nemo" },
  spec: { image: { repository: "nvcr.io/nvidia/nemo-microservices/evaluator", tag: "25.06", pullSecrets: ["nvcr-pull"] }, databaseConfig: { credentials: { secretName: "pg-evaluator", user: "evaluator" } } },
};
const bootstrap: KubernetesObject = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "nemo-postgres-bootstrap", namespace: "nemo" },
  spec: { template: { spec: { containers: [{ name: "bootstrap", image: "postgres:17", envFrom: [{ secretRef: { name: "pg-admin" } }] }] } } },
};
const stack = (...objects: KubernetesObject[]): TestResource[] => objects.map(kubernetesResource);

describe("namespace-secrets-used", () => {
  it("passes Secrets a custom resource, a pod template or a Helm release in nemo names", async () => {
    const mounted = edit(inNemo(cpuDeployment()), "spec.template.spec.volumes", [{ name: "tls", secret: { secretName: "proxy-tls" } }]);
    const release = edit(edit(helmRelease(), "props.namespace", "nemo"), "props.values", { backendStore: { existingDatabaseSecret: { name: "pg-mlflow" } } });
    const objects = [...stack(evaluator, secret("nvcr-pull"), secret("pg-evaluator"), mounted, secret("proxy-tls"), secret("pg-mlflow"), inNemo(nimService()), secret("ngc-api")), release];
    expect(await stackViolations(namespaceSecretsUsed, objects)).toEqual([]);
  });

  it("catches a Secret only a one-shot Job uses, naming the Secret and the Job", async () => {
    expect(await stackViolations(namespaceSecretsUsed, stack(evaluator, secret("pg-evaluator"), secret("nvcr-pull"), bootstrap, secret("pg-admin")))).toEqual([
      {
        message:
          'Secret nemo/pg-admin is named by no service in "nemo" (only by the one-shot Job nemo/nemo-postgres-bootstrap): any pod that can submit an Argo Workflow in "nemo" can mount it. ' +
          "Fix: delete it, or move it and the Job that needs it to a namespace of its own.",
        resource: "pg-admin",
      },
    ]);
  });

  it("catches a Secret nothing names, and does not count a Secret, another namespace or an object's own name as a reference", async () => {
    const namedAfter = { ...inNemo(cpuDeployment()), metadata: { name: "orphan", namespace: "nemo" } };
    const otherNamespace = edit(cpuDeployment(), "metadata.namespace", "flywheel");
    const referencing = { ...secret("copy"), stringData: { source: "orphan" } };
    expect(await stackViolations(namespaceSecretsUsed, stack(secret("orphan"), namedAfter, edit(otherNamespace, "spec.template.spec.imagePullSecrets", [{ name: "orphan" }]), referencing))).toEqual([
      {
        message:
          'Secret nemo/orphan is named by no service in "nemo": any pod that can submit an Argo Workflow in "nemo" can mount it. Fix: delete it, or move it to a namespace of its own.',
        resource: "orphan",
      },
      expect.objectContaining({ resource: "copy" }),
    ]);
  });

  it("holds the Secret an ExternalSecret writes to the same rule, and an ExternalSecret's target is no reference", async () => {
    const synced = (name: string, target?: string): KubernetesObject => ({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name, namespace: "nemo" },
      spec: { secretStoreRef: { kind: "ClusterSecretStore", name: "aws-secrets-manager" }, target: { name: target ?? name } },
    });
    expect(await stackViolations(namespaceSecretsUsed, stack(evaluator, synced("nvcr-pull"), secret("pg-evaluator")))).toEqual([]);
    expect(await stackViolations(namespaceSecretsUsed, stack(evaluator, secret("pg-evaluator"), synced("nvcr-pull"), synced("stray", "orphan")))).toEqual([
      {
        message:
          'ExternalSecret nemo/stray is named by no service in "nemo": any pod that can submit an Argo Workflow in "nemo" can mount it. Fix: delete it, or move it to a namespace of its own.',
        resource: "stray",
      },
    ]);
  });

  it("guards the namespaces named in config", async () => {
    expect(await stackViolations(namespaceSecretsUsed, stack(secret("orphan", "flywheel")))).toEqual([]);
    expect(await stackViolations(namespaceSecretsUsed, stack(secret("orphan", "flywheel")), { namespaces: ["flywheel"] })).toEqual([expect.objectContaining({ resource: "orphan" })]);
  });
});
