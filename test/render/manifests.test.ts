import { kubernetesObjects, manifestFileName } from "../../render/manifests";
import type { RecordedResource } from "../../render/recorder";
import { maskSecrets } from "../../render/secret-masking";

const wrappedSecret = (value: unknown): Record<string, unknown> => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

function resource(type: string, inputs: Record<string, unknown>): RecordedResource {
  return { type, name: "r", parent: null, urn: `urn:pulumi:stack::project::${type}::r`, custom: true, inputs };
}

describe("maskSecrets", () => {
  it("hides secret values but keeps the keys of a secret string map", () => {
    expect(maskSecrets({ stringData: wrappedSecret({ NGC_API_KEY: "nvapi-x" }), values: wrappedSecret({ a: { b: 1 } }) })).toEqual({
      stringData: { NGC_API_KEY: "[secret]" },
      values: "[secret]",
    });
  });

  it("masks only the secret part of a lifted input when the program's arguments say which", () => {
    const repositoryOpts = wrappedSecret({ repo: "https://charts", username: "$oauthtoken", password: "nvapi-x" });
    expect(maskSecrets({ repositoryOpts }, [["repositoryOpts", "password"]])).toEqual({
      repositoryOpts: { repo: "https://charts", username: "$oauthtoken", password: "[secret]" },
    });
  });

  it("leaves plain values alone", () => {
    expect(maskSecrets({ a: [1, { b: "c" }], d: null })).toEqual({ a: [1, { b: "c" }], d: null });
  });
});

describe("kubernetesObjects", () => {
  const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "flywheel" } };

  it("takes typed resources as they are and expands ConfigGroups", () => {
    const objects = kubernetesObjects([
      resource("kubernetes:core/v1:Namespace", namespace),
      resource("kubernetes:yaml/v2:ConfigGroup", { objs: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "flywheel" } }] }),
      resource("kubernetes:helm.sh/v3:Release", { chart: "x" }),
      resource("aws:ec2/vpc:Vpc", {}),
    ]);
    expect(objects.map((o) => o.kind)).toEqual(["Namespace", "ConfigMap"]);
  });

  it("refuses an object without a name", () => {
    expect(() => kubernetesObjects([resource("kubernetes:core/v1:ConfigMap", { apiVersion: "v1", kind: "ConfigMap", metadata: {} })])).toThrow(
      "ConfigMap from kubernetes:core/v1:ConfigMap \"r\" has no metadata.name",
    );
  });

  it("names files by scope, kind and name", () => {
    expect(manifestFileName(namespace)).toBe("cluster.namespace.flywheel.yaml");
    expect(manifestFileName({ apiVersion: "v1", kind: "Secret", metadata: { name: "ngc", namespace: "nemo" } })).toBe("nemo.secret.ngc.yaml");
  });
});
