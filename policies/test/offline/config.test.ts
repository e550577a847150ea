import * as path from "node:path";
import { policies } from "../../policies";
import { configurePolicies, PolicyConfigError, readPolicyPackConfig } from "../../offline/config";
import { repoRoot } from "../../offline/review-stack";

const configOf = (name: string, packConfig: Record<string, unknown>) => {
  const configured = configurePolicies(policies, packConfig, "test.json").find((c) => c.policy.name === name);
  if (!configured) {
    throw new Error(`no policy ${name}`);
  }
  return configured;
};

describe("policy pack config", () => {
  it("gives each policy its own enforcement level and its schema defaults when the config is empty", () => {
    expect(configOf("eks-endpoint-access", {})).toEqual(expect.objectContaining({ enforcementLevel: "mandatory", config: { publicEndpoint: "restricted" } }));
    expect(configOf("helm-release-security-values", {}).enforcementLevel).toBe("advisory");
  });

  it("overrides levels and settings as `pulumi preview --policy-pack-config` does", () => {
    expect(configOf("eks-secrets-encryption", { "eks-secrets-encryption": "advisory" }).enforcementLevel).toBe("advisory");
    expect(configOf("mongodb-replica-set", { "mongodb-replica-set": { enforcementLevel: "disabled", minMembers: 1 } })).toEqual(
      expect.objectContaining({ enforcementLevel: "disabled", config: { minMembers: 1 } }),
    );
    expect(configOf("cronjob-bounded", { all: "advisory" }).enforcementLevel).toBe("advisory");
  });

  it("refuses an unknown policy, an unknown setting and a setting of the wrong type", () => {
    expect(() => configurePolicies(policies, { "gpu-taint": "mandatory" }, "x.json")).toThrow(PolicyConfigError);
    expect(() => configurePolicies(policies, { "gpu-taint": "mandatory" }, "x.json")).toThrow(/^x\.json: "gpu-taint" is not a policy of this pack \(policies: gpu-node-pool-tainted, /);
    expect(() => configurePolicies(policies, { "mongodb-replica-set": { members: 3 } }, "x.json")).toThrow(/mongodb-replica-set has no setting "members" \(settings: minMembers\)/);
    expect(() => configurePolicies(policies, { "mongodb-replica-set": { minMembers: "3" } }, "x.json")).toThrow(/mongodb-replica-set\.minMembers must be integer, not string/);
    expect(() => configurePolicies(policies, { "mongodb-replica-set": { minMembers: 0 } }, "x.json")).toThrow(/minMembers must be at least 1/);
    expect(() => configurePolicies(policies, { "eks-endpoint-access": { publicEndpoint: "public" } }, "x.json")).toThrow(/must be one of "private", "restricted", "open"/);
    expect(() => configurePolicies(policies, { "image-pinned": { floatingTags: ["latest", 1] } }, "x.json")).toThrow(/floatingTags\[1\] must be string/);
    expect(() => configurePolicies(policies, { "cronjob-bounded": "strict" }, "x.json")).toThrow(/cronjob-bounded must be an enforcement level or an object of settings/);
  });

  it.each(["development", "production"])("ships a valid config for %s", (environment) => {
    const file = path.join(repoRoot, "policies", "config", `${environment}.json`);
    expect(() => configurePolicies(policies, readPolicyPackConfig(file), file)).not.toThrow();
  });

  it("holds production to every policy's own level and the production thresholds", () => {
    const production = configurePolicies(policies, readPolicyPackConfig(path.join(repoRoot, "policies", "config", "production.json")), "production.json");
    for (const { policy, enforcementLevel } of production) {
      expect([policy.name, enforcementLevel]).toEqual([policy.name, policy.enforcementLevel]);
    }
    const settings = Object.fromEntries(production.map((c) => [c.policy.name, c.config]));
    expect(settings["eks-endpoint-access"]).toEqual({ publicEndpoint: "restricted" });
    expect(settings["elasticsearch-durable"]).toEqual({ minNodes: 3, requirePersistentVolumes: true });
    expect(settings["mongodb-replica-set"]).toEqual({ minMembers: 3 });
    expect(settings["redis-durable"]).toEqual({ requirePassword: true, requirePersistence: true });
    expect(settings["external-credentials-from-secrets-manager"]).toEqual({ requireSecretsManager: true });
  });
});
