import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import type { RenderedStack } from "../../render/render-stack";
import { type PlatformVerifyConfig, platformVerifyConfigSchema, verifyPlatformNaming } from "../../flywheel-job/src/contract";
import { verifyPlatformDeniedSample } from "../../infra/platform/network-paths";
import { verifyPlatformCredentialKeys } from "../../infra/platform/platform-verification";
import { renderedStack, renderedVariant } from "../support/rendered-stacks";
import { input, named } from "../support/resources";
import { editedStack } from "../support/stack-config";

/**
 * `flywheel verify platform` as the stacks deploy it: the suspended CronJob, its configuration
 * built from what the stack declared, and the non-admin credentials Secret it logs in with; none
 * without a job image.
 */

type Config = Record<string, unknown>;

/** The dev stack without anything that needs the job image, and without one. */
function devWithoutImage() {
  return editedStack("dev", (c: Config) => {
    c["data-flywheel:workloads"] = [];
    c["data-flywheel:serving"] = [];
    const flywheel = c["data-flywheel:flywheel"] as { api: Record<string, unknown>; image?: string };
    flywheel.api.enabled = false;
    delete flywheel.image;
    (c["data-flywheel:platform"] as { backups: Record<string, unknown> }).backups.enabled = false;
  });
}

let dev: RenderedStack;
let prod: RenderedStack;
let noImage: RenderedStack;

beforeAll(async () => {
  dev = await renderedStack("dev");
  prod = await renderedStack("prod");
  noImage = await renderedVariant("verify-platform-no-image", devWithoutImage);
});

function find(stack: RenderedStack, kind: string, name: string): KubernetesObject | undefined {
  return stack.manifests.find((m) => m.kind === kind && m.metadata.namespace === "flywheel" && m.metadata.name === name);
}

function verifyConfig(stack: RenderedStack): PlatformVerifyConfig {
  const configMap = find(stack, "ConfigMap", verifyPlatformNaming.configMap) as (KubernetesObject & { data: Record<string, string> }) | undefined;
  if (!configMap) {
    throw new Error(`no ConfigMap flywheel/${verifyPlatformNaming.configMap} in the render`);
  }
  const key = verifyPlatformNaming.configPath.slice(verifyPlatformNaming.configPath.lastIndexOf("/") + 1);
  return platformVerifyConfigSchema.parse(JSON.parse(configMap.data[key]));
}

function credentialKeys(stack: RenderedStack): string[] {
  const secret = named(stack.resources, "kubernetes:core/v1:Secret", "platform-verify-platform-credentials");
  expect(input(secret, "metadata")).toMatchObject({ name: verifyPlatformNaming.credentialsSecret, namespace: "flywheel" });
  return Object.keys(input(secret, "stringData") as Record<string, unknown>).sort();
}

describe.each(["dev", "prod"])("the %s stack's verify-platform Job", (name) => {
  const stack = (): RenderedStack => (name === "dev" ? dev : prod);

  it("is a suspended CronJob whose ConfigMap the job's own schema accepts, for this stack", () => {
    const cronJob = find(stack(), "CronJob", verifyPlatformNaming.cronJob);
    expect((cronJob as KubernetesObject & { spec: { suspend: boolean } }).spec.suspend).toBe(true);
    // `verify platform --stack` starts only the CronJob labelled with its stack.
    expect(cronJob?.metadata.labels?.[verifyPlatformNaming.stackLabel]).toBe(name);
    expect(verifyConfig(stack()).stack).toBe(name);
  });

  it("checks ECK's operator as the StatefulSet it is, and every store the stack declared", () => {
    const config = verifyConfig(stack());
    expect(config.operators).toContainEqual({ name: "eck", namespace: "data-operators", kind: "StatefulSet", workload: "elastic-operator" });
    expect(config.operators.map((o) => o.name)).toEqual(expect.arrayContaining(["cloudnative-pg", "nim-operator"]));
    expect(config.elasticsearch?.reader.passwordFile).toBe(verifyPlatformCredentialKeys.elasticsearchReader);
    expect(config.mongodb?.passwordFile).toBe(verifyPlatformCredentialKeys.mongodb);
    expect(config.redis?.passwordFile).toBe(verifyPlatformCredentialKeys.redis);
    expect(config.nemoServices.map((s) => s.name)).toEqual(expect.arrayContaining(["nemo-datastore", "nemo-entitystore", "nemo-evaluator"]));
  });

  it("logs in to each service's database as its owner, never as an admin", () => {
    const databases = verifyConfig(stack()).postgres?.databases ?? [];
    expect(databases.map((db) => db.service)).toEqual(expect.arrayContaining(["datastore", "entitystore", "evaluator", "mlflow"]));
    for (const db of databases) {
      expect(db.owner).toBe(db.service);
      expect(db.passwordFile).toBe(verifyPlatformCredentialKeys.postgres(db.service));
    }
    // PostgreSQL's superuser, and the RDS master user as the render declares it.
    const admins = ["postgres", ...stack().resources.filter((r) => r.type === "aws:rds/instance:Instance").map((r) => input(r, "username"))];
    expect(databases.some((db) => admins.includes(db.owner))).toBe(false);
  });

  it("keeps passwords out of the ConfigMap and admin logins out of its credentials Secret", () => {
    const keys = credentialKeys(stack());
    expect(keys).toEqual(expect.arrayContaining([verifyPlatformCredentialKeys.elasticsearchReader, verifyPlatformCredentialKeys.mongodb, verifyPlatformCredentialKeys.redis]));
    expect(keys.filter((key) => /admin|master|elastic-|superuser|root/.test(key))).toEqual([]);
    expect(keys.filter((key) => key.startsWith("postgres-")).sort()).toEqual(verifyConfig(stack()).postgres?.databases.map((db) => db.passwordFile).sort());
    const configMap = JSON.stringify(find(stack(), "ConfigMap", verifyPlatformNaming.configMap));
    expect(configMap).not.toMatch(/"password"\s*:/);
  });

  it("samples the isolation table: the stores it has rows to connect, the denied sample does not", () => {
    const sample = verifyConfig(stack()).networkSample;
    expect(sample.denied).toEqual(verifyPlatformDeniedSample.map((s) => ({ ...s })));
    expect(sample.allowed.map((s) => s.description)).toEqual(expect.arrayContaining(["Elasticsearch", "Redis", "Entity Store"]));
  });

  it("admits the Job's pods by NetworkPolicy", () => {
    const policies = stack().manifests.filter((m) => m.kind === "NetworkPolicy" && m.metadata.namespace === "flywheel");
    expect(policies.some((p) => JSON.stringify(p).includes(verifyPlatformNaming.component))).toBe(true);
  });
});

describe("the prod stack on RDS", () => {
  it("checks Data Store's database in CloudNativePG without TLS and the others on RDS with TLS", () => {
    const databases = verifyConfig(prod).postgres?.databases ?? [];
    const datastore = databases.find((db) => db.service === "datastore");
    expect(datastore?.tls).toBe(false);
    expect(datastore?.host).toMatch(/\.nemo\.svc/);
    const onRds = databases.filter((db) => db.service !== "datastore");
    expect(onRds.length).toBeGreaterThan(0);
    expect(onRds.every((db) => db.tls && !db.host.endsWith(".svc.cluster.local"))).toBe(true);
  });
});

describe("a stack without a job image", () => {
  it("has no verify-platform CronJob, ConfigMap or credentials Secret", () => {
    expect(noImage.config.jobImage).toBeUndefined();
    expect(find(noImage, "CronJob", verifyPlatformNaming.cronJob)).toBeUndefined();
    expect(find(noImage, "ConfigMap", verifyPlatformNaming.configMap)).toBeUndefined();
    expect(noImage.resources.some((r) => r.name === "platform-verify-platform-credentials")).toBe(false);
  });
});
