import { flywheelApiService } from "../../flywheel-job/src/contract";
import { type FlywheelApiEndpoints, flywheelApiNaming } from "../../infra/platform/flywheel-api-deployment";
import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import type { RenderedStack } from "../../render/render-stack";
import { renderedStack } from "../support/rendered-stacks";

interface PodSpec {
  containers: { image: string; args: string[]; env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[];
  volumes: { projected?: { sources: { secret: { name: string; items: { key: string; path: string }[] } }[] } }[];
}

const inFlywheel = (rendered: RenderedStack, kind: string, name: string): KubernetesObject[] =>
  rendered.manifests.filter((m) => m.kind === kind && m.metadata.namespace === "flywheel" && m.metadata.name === name);
const podSpecOf = (rendered: RenderedStack): PodSpec => {
  const [deployment] = inFlywheel(rendered, "Deployment", flywheelApiNaming.name);
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
};
const tokenSecret = (rendered: RenderedStack, name: string) =>
  rendered.resources.filter((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { name?: string } | undefined)?.name === name);

describe.each(["dev", "prod", "local"])("the %s stack", (stack) => {
  it("runs the API from the job image, with the store's connection string from the connections Secret", async () => {
    const rendered = await renderedStack(stack);
    const [container] = podSpecOf(rendered).containers;
    expect(container.image).toBe(rendered.config.jobImage);
    expect(container.args).toEqual(flywheelApiService.arguments(rendered.config.flywheel.startTimeoutMinutes));
    expect(container.env.find((e) => e.name === "MONGODB_URL")?.valueFrom?.secretKeyRef).toEqual({ name: "flywheel-data-connections", key: "MONGODB_URL" });
  });

  it("generates a read token and an operator token, each a Pulumi secret in a Secret of its own, and mounts the two", async () => {
    const rendered = await renderedStack(stack);
    for (const name of Object.values(flywheelApiNaming.tokenSecrets)) {
      const [secret] = tokenSecret(rendered, name);
      expect(secret.inputs.stringData).toEqual({ [flywheelApiNaming.tokenKey]: "[secret]" });
    }
    const passwords = rendered.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name.endsWith("-token"));
    expect(passwords.map((p) => [p.name, p.inputs.length]).sort()).toEqual([
      ["platform-flywheel-api-operator-token", 32],
      ["platform-flywheel-api-read-token", 32],
    ]);
    const mounted = podSpecOf(rendered).volumes.flatMap((v) => v.projected?.sources ?? []).map((s) => [s.secret.name, s.secret.items]);
    expect(mounted).toEqual([
      [flywheelApiNaming.tokenSecrets.read, [{ key: flywheelApiNaming.tokenKey, path: flywheelApiService.tokenFiles.read }]],
      [flywheelApiNaming.tokenSecrets.operator, [{ key: flywheelApiNaming.tokenKey, path: flywheelApiService.tokenFiles.operator }]],
    ]);
  });

  it("outputs the URL of its Service and the Secrets of its tokens, and no Ingress unless asked for", async () => {
    const rendered = await renderedStack(stack);
    const outputs = rendered.outputs.flywheelApi as FlywheelApiEndpoints;
    const [service] = inFlywheel(rendered, "Service", flywheelApiNaming.name);
    const [port] = (service.spec as { ports: { port: number }[] }).ports;
    expect(outputs.url).toBe(`http://${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local:${port.port}`);
    expect(outputs.tokenSecrets).toEqual({ read: "flywheel/flywheel-api-read-token", operator: "flywheel/flywheel-api-operator-token" });
    for (const reference of Object.values(outputs.tokenSecrets)) {
      const [namespace, name] = reference.split("/");
      expect(rendered.manifests.filter((m) => m.kind === "Secret" && m.metadata.namespace === namespace && m.metadata.name === name)).toHaveLength(1);
    }
    expect(outputs.ingressUrl).toBeUndefined();
    expect(rendered.manifests.filter((m) => m.kind === "Ingress")).toEqual([]);
  });
});
