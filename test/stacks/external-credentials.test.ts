import type { RenderedStack } from "../../render/render-stack";
import { credentialSecretLayouts, emptyCredentialKeysAnnotation } from "../../infra/platform/external-credentials";
import { renderedStack, renderedVariant } from "../support/rendered-stacks";
import { ofType } from "../support/resources";
import { editedStack } from "../support/stack-config";

/** Dev with every credential in AWS Secrets Manager: the judge proxy, the embedding key, W&B merged beside the generated key. */
const allFromSecretsManager = () =>
  editedStack("dev", (c) => {
    c["data-flywheel:secrets"] = {
      source: "aws-secrets-manager",
      names: { ngcApiKey: "df/ngc", judgeApiKey: "df/judge", embeddingApiKey: "df/embedding", wandbApiKey: "df/wandb" },
      refreshInterval: "30m",
    };
  });

interface Manifest {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
}

const externalSecrets = (stack: RenderedStack): Manifest[] => (stack.manifests as unknown as Manifest[]).filter((m) => m.kind === "ExternalSecret");
const pulumiSecrets = (stack: RenderedStack) =>
  ofType(stack.resources, "kubernetes:core/v1:Secret").map((r) => r.inputs as { metadata: { name: string; namespace: string; annotations?: Record<string, string> } });
const where = (m: { metadata: { name: string; namespace?: string } }) => `${m.metadata.namespace}/${m.metadata.name}`;
const credentialSecretNames = new Set<string>(Object.values(credentialSecretLayouts).map((l) => l.name));

let prod: RenderedStack;
let dev: RenderedStack;
let variant: RenderedStack;

beforeAll(async () => {
  // One after another: a render holds Pulumi's process-wide runtime.
  prod = await renderedStack("prod");
  dev = await renderedStack("dev");
  variant = await renderedVariant("dev-aws-secrets-manager", allFromSecretsManager);
});

describe("credentials from AWS Secrets Manager", () => {
  test("prod writes its NGC Secrets as ExternalSecrets, into exactly the namespaces that use them", () => {
    expect(externalSecrets(prod).map(where).sort()).toEqual(["flywheel/ngc-api", "flywheel/nvcr-pull", "nemo/ngc-api", "nemo/nvcr-pull"]);
  });

  test("no Pulumi Secret of prod carries an external credential; W&B's keeps only its generated key, the API key marked empty", () => {
    const carrying = pulumiSecrets(prod).filter((s) => credentialSecretNames.has(s.metadata.name));
    expect(carrying.map(where)).toEqual(["nemo/customizer-wandb"]);
    expect(carrying[0].metadata.annotations).toEqual({ [emptyCredentialKeysAnnotation]: "apiKey" });
  });

  test("every ExternalSecret reads through the stack's ClusterSecretStore, which serves only the namespaces that read it", () => {
    for (const stack of [prod, variant]) {
      const [store] = (stack.manifests as unknown as Manifest[]).filter((m) => m.kind === "ClusterSecretStore");
      const served = (store.spec as { conditions: { namespaces: string[] }[] }).conditions.flatMap((c) => c.namespaces);
      for (const synced of externalSecrets(stack)) {
        expect(synced.spec?.secretStoreRef).toEqual({ kind: "ClusterSecretStore", name: store.metadata.name });
        expect(served).toContain(synced.metadata.namespace);
      }
    }
  });

  test("with every credential there: the judge proxy's key, the job's embedding key and W&B merged into the Secret holding the generated key", () => {
    const byName = new Map(externalSecrets(variant).map((m) => [where(m), m.spec as { refreshInterval: string; target: { creationPolicy: string; template: { data: Record<string, string> } } }]));
    expect([...byName.keys()].sort()).toEqual([
      "flywheel/flywheel-model-keys",
      "flywheel/judge-proxy-key",
      "flywheel/ngc-api",
      "flywheel/nvcr-pull",
      "nemo/customizer-wandb",
      "nemo/ngc-api",
      "nemo/nvcr-pull",
      "serving/ngc-api",
      "serving/nvcr-pull",
    ]);
    expect(Object.keys(byName.get("flywheel/judge-proxy-key")?.target.template.data ?? {})).toEqual(["JUDGE_API_KEY"]);
    expect(Object.keys(byName.get("flywheel/flywheel-model-keys")?.target.template.data ?? {})).toEqual(["EMBEDDING_API_KEY"]);
    expect(byName.get("nemo/customizer-wandb")?.target.creationPolicy).toBe("Merge");
    expect(byName.get("flywheel/ngc-api")?.refreshInterval).toBe("30m");
    const wandb = pulumiSecrets(variant).filter((s) => s.metadata.name === "customizer-wandb");
    expect(wandb.map((s) => s.metadata.annotations)).toEqual([undefined]);
  });

  test("dev, on Pulumi config, has no ExternalSecret, no store and no operator", () => {
    expect(externalSecrets(dev)).toEqual([]);
    expect(ofType(dev.resources, "data-flywheel:platform:SecretsOperator")).toEqual([]);
    expect(pulumiSecrets(dev).filter((s) => credentialSecretNames.has(s.metadata.name)).map(where).sort()).toEqual(
      expect.arrayContaining(["flywheel/ngc-api", "flywheel/nvcr-pull", "nemo/nvcr-pull"]),
    );
  });
});
