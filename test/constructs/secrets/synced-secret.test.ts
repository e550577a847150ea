import { SyncedSecret, type SyncedSecretProps, templateVariables } from "../../../constructs/secrets/synced-secret";
import { crdValidator, describeWithCrds } from "../../support/crd-schema";
import { only, synth } from "../data/support";

const props: SyncedSecretProps = {
  name: "ngc-api",
  namespace: "nemo",
  storeName: "aws-secrets-manager",
  values: [{ variable: "ngcApiKey", remoteKey: "data-flywheel/prod/ngc-api-key" }],
  template: { NGC_API_KEY: "{{ .ngcApiKey }}" },
};

function externalSecret(p: SyncedSecretProps) {
  const manifests = synth((chart) => void new SyncedSecret(chart, "synced", p));
  return { manifests, resource: only(manifests, "ExternalSecret", p.name) };
}

describe("SyncedSecret", () => {
  test("reads each named secret from the ClusterSecretStore and writes the Secret of the same name from the template", () => {
    const { manifests, resource } = externalSecret(props);
    expect(manifests).toHaveLength(1);
    expect(resource.apiVersion).toBe("external-secrets.io/v1");
    expect(resource.metadata).toEqual({ name: "ngc-api", namespace: "nemo", labels: { "app.kubernetes.io/part-of": "data-flywheel" } });
    expect(resource.spec).toEqual({
      secretStoreRef: { kind: "ClusterSecretStore", name: "aws-secrets-manager" },
      refreshInterval: "1h",
      data: [{ secretKey: "ngcApiKey", remoteRef: { key: "data-flywheel/prod/ngc-api-key" } }],
      target: {
        name: "ngc-api",
        creationPolicy: "Owner",
        template: { engineVersion: "v2", mergePolicy: "Replace", type: "Opaque", data: { NGC_API_KEY: "{{ .ngcApiKey }}" } },
      },
    });
  });

  test("merges into a Secret someone else wrote, keeping its keys", () => {
    const { target } = externalSecret({ ...props, mergeIntoExisting: true }).resource.spec;
    expect(target.creationPolicy).toBe("Merge");
    expect(target.template.mergePolicy).toBe("Merge");
  });

  test("carries the Secret's type and the refresh interval", () => {
    const { spec } = externalSecret({ ...props, type: "kubernetes.io/dockerconfigjson", refreshInterval: "15m" }).resource;
    expect(spec.target.template.type).toBe("kubernetes.io/dockerconfigjson");
    expect(spec.refreshInterval).toBe("15m");
  });

  const owner = "ExternalSecret nemo/ngc-api";
  test.each([
    [{ refreshInterval: "30s" }, `${owner}: refreshInterval "30s" is not a whole number of minutes or hours (30m, 1h)`],
    [{ values: [] }, `${owner}: values must name at least one secret of the store`],
    [{ values: [{ variable: "ngc-key", remoteKey: "x" }] }, `${owner}: values[0].variable "ngc-key" must be letters and digits, starting with a letter`],
    [{ values: [props.values[0], props.values[0]] }, `${owner}: values[1].variable "ngcApiKey" is read twice`],
    [{ values: [{ variable: "ngcApiKey", remoteKey: "ngc key" }] }, `${owner}: values[0].remoteKey "ngc key" is not a secret name (1 to 512 of A-Z, a-z, 0-9 and /_+=.@-)`],
    [{ template: {} }, `${owner}: template must write at least one key`],
    [{ template: { "NGC API": "{{ .ngcApiKey }}" } }, `${owner}: template key "NGC API" is not a valid Secret key (letters, digits, '-', '_' and '.')`],
    [{ template: { NGC_API_KEY: "{{ .judgeApiKey }}" } }, `${owner}: template["NGC_API_KEY"] uses .judgeApiKey, which values do not read`],
    [{ storeName: "AWS" }, `${owner}: storeName "AWS" is not a valid Kubernetes object name (DNS-1123 subdomain)`],
  ] as [Partial<SyncedSecretProps>, string][])("refuses %j", (change, message) => {
    expect(() => externalSecret({ ...props, ...change })).toThrow(message);
  });
});

describe("templateVariables", () => {
  test("finds the variables of every action, outside string literals", () => {
    expect(templateVariables('{"auths":{"nvcr.io":{"password":{{ .key | toJson }},"auth":{{ printf "%s:%s" "$u.v" .key | b64enc }}}}}')).toEqual(["key", "key"]);
  });

  test("text outside actions is not a variable", () => {
    expect(templateVariables("nvcr.io .notAVariable")).toEqual([]);
  });
});

describeWithCrds("SyncedSecret against the ExternalSecret CRD of External Secrets Operator v2.9.0", () => {
  const validate = () => crdValidator("external-secrets-v2.9.0/ExternalSecret.yaml", "external-secrets.io/v1");

  test.each([
    ["owned", props],
    ["merged, a registry login", { ...props, type: "kubernetes.io/dockerconfigjson", mergeIntoExisting: true }],
  ] as [string, SyncedSecretProps][])("%s: valid, no field unknown", (_, p) => {
    expect(validate()(externalSecret(p).resource)).toBeUndefined();
  });

  test("the validator refuses a field the CRD does not have", () => {
    const { resource } = externalSecret(props);
    expect(validate()({ ...resource, spec: { ...resource.spec, target: { ...resource.spec.target, policy: "Owner" } } })).toMatch(/additional properties/);
  });
});
