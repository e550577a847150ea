import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { emptyCredentialKeysAnnotation } from "../../../infra/platform/external-credentials";
import { externalCredentialsFromSecretsManager } from "../../policies/external-credentials-from-secrets-manager";
import type { KubernetesObject } from "../../lib/kubernetes-object";
import { loadRenderedStack } from "../../offline/dist";
import { stackViolations } from "../support/policy-review";
import { edit, kubernetesResource, type TestResource } from "../support/fixtures";

/** The stack's ClusterSecretStore, as the secrets-manager option writes it. */
const store = (): KubernetesObject => ({
  apiVersion: "external-secrets.io/v1",
  kind: "ClusterSecretStore",
  metadata: { name: "aws-secrets-manager" },
  spec: { provider: { aws: { service: "SecretsManager", region: "us-east-1" } } },
});

/** An ExternalSecret through that store, syncing `keys` (secretKey → AWS secret name) into Secret `name`. */
const externalSecret = (namespace: string, name: string, keys: Record<string, string>, target: Record<string, unknown> = {}): KubernetesObject => ({
  apiVersion: "external-secrets.io/v1",
  kind: "ExternalSecret",
  metadata: { name, namespace },
  spec: {
    refreshInterval: "1h",
    secretStoreRef: { kind: "ClusterSecretStore", name: "aws-secrets-manager" },
    target: { name, creationPolicy: "Owner", ...target },
    data: Object.entries(keys).map(([secretKey, key]) => ({ secretKey, remoteRef: { key } })),
  },
});

const ngcApi = (namespace = "flywheel") => externalSecret(namespace, "ngc-api", { NGC_API_KEY: "data-flywheel/ngc-api-key" });

/** nvcr-pull, built with a template from the NGC key (NGC's login user is the literal `$oauthtoken`). */
const nvcrPull = (namespace = "nemo") =>
  externalSecret(
    namespace,
    "nvcr-pull",
    { ngcApiKey: "data-flywheel/ngc-api-key" },
    {
      template: {
        type: "kubernetes.io/dockerconfigjson",
        engineVersion: "v2",
        data: { ".dockerconfigjson": '{"auths":{"nvcr.io":{"username":"$oauthtoken","password":"{{ .ngcApiKey }}"}}}' },
      },
    },
  );

/** The W&B key, merged into the Secret Pulumi writes with the generated encryption key. */
const wandb = () => externalSecret("nemo", "customizer-wandb", { apiKey: "data-flywheel/wandb-api-key" }, { creationPolicy: "Merge" });

/** A Secret as Pulumi writes it (values masked, as in a render). */
const secret = (namespace: string, name: string, keys: string[], type = "Opaque"): KubernetesObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace },
  type,
  stringData: Object.fromEntries(keys.map((k) => [k, "[secret]"])),
});

const stack = (...objects: KubernetesObject[]): TestResource[] => objects.map(kubernetesResource);

/** What the secrets-manager option renders: credentials from the store, generated keys from Pulumi. */
const fromSecretsManager = () =>
  stack(store(), ngcApi(), nvcrPull(), wandb(), secret("nemo", "customizer-wandb", ["encryptionKey"]), secret("nemo", "pg-customizer", ["username", "password"], "kubernetes.io/basic-auth"));

/** What `secrets.source: pulumi` renders: every credential in a Secret Pulumi writes. */
const fromPulumiConfig = () =>
  stack(
    secret("flywheel", "ngc-api", ["NGC_API_KEY"]),
    secret("nemo", "nvcr-pull", [".dockerconfigjson"], "kubernetes.io/dockerconfigjson"),
    secret("nemo", "customizer-wandb", ["apiKey", "encryptionKey"]),
    secret("nemo", "pg-customizer", ["username", "password"], "kubernetes.io/basic-auth"),
  );

const messages = async (resources: TestResource[], settings: Record<string, unknown> = {}) =>
  (await stackViolations(externalCredentialsFromSecretsManager, resources, settings)).map((v) => v.message);

describe("external-credentials-from-secrets-manager", () => {
  it("passes credentials synced from AWS Secrets Manager, with generated keys left in the stack's Secret", async () => {
    expect(await messages(fromSecretsManager())).toEqual([]);
  });

  it("catches each credential key of a Secret Pulumi writes, naming the Secret, the key and the fix, but not generated keys", async () => {
    expect(await stackViolations(externalCredentialsFromSecretsManager, fromPulumiConfig())).toEqual([
      {
        message:
          "Secret flywheel/ngc-api holds NGC_API_KEY, the ngcApiKey credential, written by Pulumi from its config. " +
          "Fix: set data-flywheel:secrets.source: aws-secrets-manager and name its secret under data-flywheel:secrets.names; an ExternalSecret then syncs NGC_API_KEY from AWS Secrets Manager.",
        resource: "ngc-api",
      },
      { message: expect.stringMatching(/^Secret nemo\/nvcr-pull holds \.dockerconfigjson, the ngcApiKey credential/), resource: "nvcr-pull" },
      {
        message: expect.stringMatching(
          /^Secret nemo\/customizer-wandb holds apiKey, the wandbApiKey credential, .* syncs apiKey from AWS Secrets Manager \(the stack keeps writing its generated encryptionKey\)\.$/,
        ),
        resource: "customizer-wandb",
      },
    ]);
  });

  it("reads data as well as stringData", async () => {
    const inData = { ...secret("serving", "ngc-api", []), stringData: undefined, data: { NGC_API_KEY: "bnZhcGktLi4u" } };
    expect(await messages(stack(inData))).toEqual([expect.stringContaining("Secret serving/ngc-api holds NGC_API_KEY")]);
  });

  it("accepts a credential key the Secret marks empty on purpose, unless a preview shows it holds a value", async () => {
    const withoutWandb = (apiKey: string) =>
      edit(edit(secret("nemo", "customizer-wandb", ["encryptionKey"]), "stringData.apiKey", apiKey), "metadata.annotations", { [emptyCredentialKeysAnnotation]: "apiKey" });
    expect(await messages(stack(withoutWandb("[secret]")))).toEqual([]);
    expect(await messages(stack(withoutWandb("")))).toEqual([]);
    expect(await messages(stack(withoutWandb("0123456789abcdef0123456789abcdef01234567")))).toEqual([
      `Secret nemo/customizer-wandb marks apiKey (the wandbApiKey credential) empty (${emptyCredentialKeysAnnotation}), but it holds a value. ` +
        "Fix: set data-flywheel:secrets.source: aws-secrets-manager and name its secret under data-flywheel:secrets.names, and leave the key empty in the stack's Secret.",
    ]);
  });

  it("lets development keep credentials in Pulumi config, and still checks its ExternalSecrets", async () => {
    expect(await messages(fromPulumiConfig(), { requireSecretsManager: false })).toEqual([]);
    expect(await messages(stack(ngcApi()), { requireSecretsManager: false })).toEqual([
      expect.stringContaining("ExternalSecret flywheel/ngc-api (Secret ngc-api) reads from ClusterSecretStore aws-secrets-manager, which the stack does not declare"),
    ]);
  });

  it("catches an ExternalSecret that does not read from the stack's ClusterSecretStore on AWS Secrets Manager", async () => {
    const fix = "Fix: reference the stack's ClusterSecretStore on AWS Secrets Manager (spec.secretStoreRef kind ClusterSecretStore, provider aws, service SecretsManager).";
    expect(await messages(stack(store(), edit(ngcApi(), "spec.secretStoreRef", { name: "aws-secrets-manager" })))).toEqual([
      `ExternalSecret flywheel/ngc-api (Secret ngc-api) reads from SecretStore aws-secrets-manager (spec.secretStoreRef.kind defaults to SecretStore), not from a ClusterSecretStore. ${fix}`,
    ]);
    expect(await messages(stack(ngcApi()))).toEqual([
      `ExternalSecret flywheel/ngc-api (Secret ngc-api) reads from ClusterSecretStore aws-secrets-manager, which the stack does not declare. ${fix}`,
    ]);
    expect(await messages(stack(edit(store(), "spec.provider.aws.service", "ParameterStore"), ngcApi()))).toEqual([
      expect.stringContaining("reads from ClusterSecretStore aws-secrets-manager, whose AWS ParameterStore is not AWS Secrets Manager"),
    ]);
    // A render edited by hand holds both versions of the store: either may fail.
    expect(await messages(stack(store(), edit(store(), "spec.provider.aws.service", "ParameterStore"), ngcApi()))).toEqual([expect.stringContaining("whose AWS ParameterStore")]);
    expect(await messages(stack(edit(store(), "spec.provider", { vault: { server: "https://vault.example.com" } }), ngcApi()))).toEqual([
      expect.stringContaining("whose provider vault is not AWS Secrets Manager"),
    ]);
  });

  it("catches an ExternalSecret that does not write a credential key of the layout", async () => {
    const renamed = edit(nvcrPull(), "spec.target.template.data", { "config.json": "{{ .ngcApiKey }}" });
    expect(await messages(stack(store(), renamed))).toEqual([
      "ExternalSecret nemo/nvcr-pull (Secret nvcr-pull) writes no .dockerconfigjson (the ngcApiKey credential; keys written: config.json). " +
        "Fix: write it by name, in spec.data (secretKey) or spec.target.template.data.",
    ]);
    const extracted = edit(edit(ngcApi(), "spec.data", undefined), "spec.dataFrom", [{ extract: { key: "data-flywheel/ngc" } }]);
    expect(await messages(stack(store(), extracted))).toEqual([
      expect.stringContaining("writes no NGC_API_KEY (the ngcApiKey credential; keys written: none; spec.dataFrom cannot be read before deploy)"),
    ]);
  });

  it("follows the template's merge policy: Replace keeps only the template's keys, Merge adds the synced ones", async () => {
    const templated = (mergePolicy: string) => edit(ngcApi("serving"), "spec.target.template", { mergePolicy, data: { NGC_CLI_API_KEY: "{{ .NGC_API_KEY }}" } });
    expect(await messages(stack(store(), templated("Replace")))).toEqual([expect.stringContaining("writes no NGC_API_KEY (the ngcApiKey credential; keys written: NGC_CLI_API_KEY)")]);
    expect(await messages(stack(store(), templated("Merge")))).toEqual([]);
  });

  it("catches an ExternalSecret that fights Pulumi over a Secret, merges into none, or writes nothing", async () => {
    expect(await messages(stack(store(), edit(wandb(), "spec.target.creationPolicy", "Owner"), secret("nemo", "customizer-wandb", ["encryptionKey"])))).toEqual([
      "ExternalSecret nemo/customizer-wandb (Secret customizer-wandb) creates Secret customizer-wandb (spec.target.creationPolicy Owner), which the stack also declares, so Pulumi and the operator would overwrite each other. " +
        "Fix: set spec.target.creationPolicy: Merge, with only the generated keys in the stack's Secret.",
    ]);
    expect(await messages(stack(store(), wandb(), secret("flywheel", "customizer-wandb", ["encryptionKey"])))).toEqual([
      expect.stringContaining("merges into Secret customizer-wandb, which the stack does not declare in its namespace, so the operator never writes it. Fix: set spec.target.creationPolicy: Owner."),
    ]);
    expect(await messages(stack(store(), edit(ngcApi(), "spec.target.creationPolicy", "None")))).toEqual([
      expect.stringContaining("never writes Secret ngc-api (spec.target.creationPolicy None). Fix: set spec.target.creationPolicy: Owner."),
    ]);
    expect(await messages(stack(store(), wandb(), secret("nemo", "customizer-wandb", ["apiKey", "encryptionKey"])), { requireSecretsManager: false })).toEqual([
      "ExternalSecret nemo/customizer-wandb (Secret customizer-wandb) writes apiKey, which the stack's Secret customizer-wandb also holds, so Pulumi and the operator would overwrite each other. " +
        "Fix: leave apiKey out of the stack's Secret.",
    ]);
    const createOrMerge = edit(wandb(), "spec.target.creationPolicy", "CreateOrMerge");
    expect(await messages(stack(store(), createOrMerge, secret("nemo", "customizer-wandb", ["encryptionKey"])))).toEqual([]);
    expect(await messages(stack(store(), createOrMerge))).toEqual([]);
  });

  it("catches a pull secret the operator creates without the dockerconfigjson type", async () => {
    expect(await messages(stack(store(), edit(nvcrPull(), "spec.target.template.type", undefined)))).toEqual([
      "ExternalSecret nemo/nvcr-pull (Secret nvcr-pull) creates a Secret of type Opaque, but nvcr-pull is kubernetes.io/dockerconfigjson. Fix: set spec.target.template.type: kubernetes.io/dockerconfigjson.",
    ]);
  });

  it("ignores ExternalSecrets of Secrets that carry no external credential", async () => {
    expect(await messages(stack(externalSecret("monitoring", "grafana-admin", { "admin-password": "data-flywheel/grafana" })))).toEqual([]);
  });

  describe("in a render, where cdk8s charts are ConfigGroups", () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "external-credentials-"));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads the Secrets, ExternalSecrets and ClusterSecretStores a ConfigGroup declares", async () => {
      const objs = [secret("serving", "ngc-api", ["NGC_API_KEY"]), nvcrPull("serving"), edit(ngcApi("nemo"), "spec.secretStoreRef.name", "vault")];
      const resources = [
        { type: "kubernetes:yaml/v2:ConfigGroup", name: "secrets", parent: null, inputs: { objs } },
        { type: "kubernetes:yaml/v2:ConfigGroup", name: "external-secrets", parent: null, inputs: { objs: [store()] } },
      ];
      fs.writeFileSync(path.join(dir, "resources.json"), JSON.stringify(resources));
      expect(await stackViolations(externalCredentialsFromSecretsManager, loadRenderedStack(dir))).toEqual([
        { message: expect.stringContaining("Secret serving/ngc-api holds NGC_API_KEY"), resource: "secrets:serving/ngc-api" },
        { message: expect.stringContaining("ExternalSecret nemo/ngc-api (Secret ngc-api) reads from ClusterSecretStore vault, which the stack does not declare"), resource: "secrets:nemo/ngc-api" },
      ]);
    });
  });
});
