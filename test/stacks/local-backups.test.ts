import type { RenderedStack } from "../../render/render-stack";
import { crdValidator, describeWithCrds } from "../support/crd-schema";
import { renderedStack, renderedVariant } from "../support/rendered-stacks";
import { editedStack } from "../support/stack-config";

type Config = Record<string, unknown>;

const endpoint = "https://minio.example.com:9000";

/** local with its backups on, to a MinIO bucket: what `README, "Backups and restores"` tells a user to set. */
const localWithEndpoint = (): ReturnType<typeof editedStack> =>
  editedStack("local", (c: Config) => {
    c["data-flywheel:platform"] = {
      ...(c["data-flywheel:platform"] as Config | undefined),
      backups: { enabled: true, endpoint, bucket: "flywheel-backups", region: "us-east-1" },
    };
  });

let local: RenderedStack;
let backedUp: RenderedStack;

beforeAll(async () => {
  local = await renderedStack("local");
  backedUp = await renderedVariant("local-backup-endpoint", localWithEndpoint);
});

const manifest = (stack: RenderedStack, kind: string, name: string) => stack.manifests.find((m) => m.kind === kind && m.metadata.name === name);

interface Container {
  readonly args: string[];
  readonly env?: { name: string; valueFrom?: unknown }[];
}

describe("local's backups to an S3-compatible endpoint", () => {
  it("the shipped local stack backs up nothing: it names no endpoint", () => {
    expect(manifest(local, "CronJob", "mongodb-backup")).toBeUndefined();
    expect(local.manifests.filter((m) => m.kind === "ObjectStore")).toEqual([]);
  });

  it("the MongoDB CronJob uploads to the endpoint, signing with the keys of the stack's Secret", () => {
    const cronJob = manifest(backedUp, "CronJob", "mongodb-backup")!;
    const upload = (cronJob.spec as { jobTemplate: { spec: { template: { spec: { containers: Container[] } } } } }).jobTemplate.spec.template.spec.containers[0];
    expect(upload.args).toEqual(expect.arrayContaining(["--bucket", "flywheel-backups", "--region", "us-east-1", "--endpoint", endpoint]));
    expect(upload.env).toEqual(expect.arrayContaining([
      { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "backup-endpoint-credentials", key: "AWS_ACCESS_KEY_ID" } } },
      { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "backup-endpoint-credentials", key: "AWS_SECRET_ACCESS_KEY" } } },
    ]));
    const keys = backedUp.manifests.filter((m) => m.kind === "Secret" && m.metadata.name === "backup-endpoint-credentials").map((m) => m.metadata.namespace).sort();
    expect(keys).toEqual(["data", "nemo"]);
    expect(manifest(backedUp, "ServiceAccount", "mongodb-backup")?.metadata.annotations).toBeUndefined();
  });

  it("the ObjectStore writes to the endpoint with the Secret's keys, not an IAM role, and no AWS resource exists", () => {
    const store = backedUp.manifests.find((m) => m.kind === "ObjectStore")!;
    const configuration = (store.spec as { configuration: Record<string, unknown> }).configuration;
    expect(configuration.endpointURL).toBe(endpoint);
    expect(configuration.destinationPath).toMatch(/^s3:\/\/flywheel-backups\/postgres\//);
    expect(configuration.s3Credentials).toEqual({
      accessKeyId: { name: "backup-endpoint-credentials", key: "AWS_ACCESS_KEY_ID" },
      secretAccessKey: { name: "backup-endpoint-credentials", key: "AWS_SECRET_ACCESS_KEY" },
    });
    const cluster = backedUp.manifests.find((m) => m.kind === "Cluster" && m.apiVersion === "postgresql.cnpg.io/v1")!;
    expect((cluster.spec as Record<string, unknown>).serviceAccountTemplate).toBeUndefined();
    expect(backedUp.resources.filter((r) => r.type.startsWith("aws:"))).toEqual([]);
  });

  it("lets the backup writers reach the endpoint's port, not HTTPS anywhere", () => {
    const egressPorts = (podLabel: string) =>
      backedUp.manifests
        .filter((m) => m.kind === "NetworkPolicy" && JSON.stringify((m.spec as { podSelector: unknown }).podSelector).includes(podLabel))
        .flatMap((m) => ((m.spec as { egress?: { to?: { ipBlock?: { cidr: string } }[]; ports?: { port: number }[] }[] }).egress ?? []))
        .filter((rule) => (rule.to ?? []).some((to) => to.ipBlock?.cidr === "0.0.0.0/0"))
        .flatMap((rule) => (rule.ports ?? []).map((p) => p.port));
    expect(egressPorts("mongodb-backup")).toContain(9000);
    expect(egressPorts("mongodb-backup")).not.toContain(443);
  });
});

describeWithCrds("local's backup objects against the barman-cloud v0.13.0 and CloudNativePG 1.28.1 CRDs", () => {
  it("the ObjectStore and the backed-up Cluster validate", () => {
    const objectStore = crdValidator("barman-cloud-v0.13.0/ObjectStore.yaml", "barmancloud.cnpg.io/v1");
    const cluster = crdValidator("cloudnative-pg-1.28.1/Cluster.yaml", "postgresql.cnpg.io/v1");
    const stores = backedUp.manifests.filter((m) => m.kind === "ObjectStore");
    expect(stores).toHaveLength(1);
    for (const store of stores) expect(objectStore(store)).toBeUndefined();
    for (const c of backedUp.manifests.filter((m) => m.kind === "Cluster" && m.apiVersion === "postgresql.cnpg.io/v1")) expect(cluster(c)).toBeUndefined();
  });
});
