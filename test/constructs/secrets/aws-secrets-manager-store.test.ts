import { AwsSecretsManagerStore, type AwsSecretsManagerStoreProps } from "../../../constructs/secrets/aws-secrets-manager-store";
import { crdValidator, describeWithCrds } from "../../support/crd-schema";
import { only, synth } from "../data/support";

const props: AwsSecretsManagerStoreProps = { name: "aws-secrets-manager", region: "us-west-2", namespaces: ["nemo", "flywheel"] };

function store(p: AwsSecretsManagerStoreProps) {
  let construct: AwsSecretsManagerStore | undefined;
  const manifests = synth((chart) => { construct = new AwsSecretsManagerStore(chart, "store", p); });
  return { construct: construct as AwsSecretsManagerStore, manifests, resource: only(manifests, "ClusterSecretStore", p.name) };
}

describe("AwsSecretsManagerStore", () => {
  test("reads Secrets Manager in the region with the controller's own identity: no auth section", () => {
    const { resource, manifests } = store(props);
    expect(manifests).toHaveLength(1);
    expect(resource.apiVersion).toBe("external-secrets.io/v1");
    expect(resource.metadata).toEqual({ name: "aws-secrets-manager" });
    expect(resource.spec.provider).toEqual({ aws: { service: "SecretsManager", region: "us-west-2" } });
  });

  test("is usable only from the listed namespaces", () => {
    expect(store(props).resource.spec.conditions).toEqual([{ namespaces: ["nemo", "flywheel"] }]);
  });

  test("gives ExternalSecrets the reference to it", () => {
    expect(store(props).construct.ref).toEqual({ kind: "ClusterSecretStore", name: "aws-secrets-manager" });
  });

  test.each([
    [{ namespaces: [] }, /^ClusterSecretStore aws-secrets-manager: namespaces is empty/],
    [{ namespaces: ["nemo", "nemo"] }, /namespaces lists "nemo" twice/],
    [{ namespaces: ["Nemo"] }, /namespace "Nemo" must be a DNS-1123 label/],
    [{ region: "us-west" }, /region "us-west" is not an AWS region name/],
    [{ region: "US-WEST-2" }, /region "US-WEST-2" is not an AWS region name/],
    [{ name: "AWS" }, /name "AWS" is not a valid Kubernetes object name/],
  ] as const)("refuses %j", (change, message) => {
    expect(() => store({ ...props, ...change })).toThrow(message);
  });

  test("accepts the regions of other partitions", () => {
    for (const region of ["us-gov-west-1", "cn-north-1", "ap-southeast-3", "eu-central-1"]) {
      expect(store({ ...props, region }).resource.spec.provider.aws.region).toBe(region);
    }
  });
});

describeWithCrds("AwsSecretsManagerStore against the ClusterSecretStore CRD of External Secrets Operator v2.9.0", () => {
  let validate: (manifest: object) => string | undefined;
  beforeAll(() => {
    validate = crdValidator("external-secrets-v2.9.0/ClusterSecretStore.yaml", "external-secrets.io/v1");
  });

  test("validates", () => {
    expect(validate(store(props).resource)).toBeUndefined();
  });

  test("the validator sees a misspelt field", () => {
    const { resource } = store(props);
    expect(validate({ ...resource, spec: { ...resource.spec, conditions: [{ namespace: ["nemo"] }] } })).toMatch(/additional properties/);
  });
});
