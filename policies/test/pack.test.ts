import * as fs from "node:fs";
import * as path from "node:path";
import { packName, packVersion } from "../pack";
import { policies } from "../policies";

const policiesDir = path.join(__dirname, "..", "policies");
const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

describe("the data-flywheel policy pack", () => {
  it("is named and versioned by policies/package.json", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version: string };
    expect(packName).toBe("data-flywheel");
    expect(packVersion()).toBe(manifest.version);
    expect(fs.readFileSync(path.join(__dirname, "..", "PulumiPolicy.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
  });

  it("keeps one policy per file, named after it, each in the pack", () => {
    const files = fs.readdirSync(policiesDir).filter((f) => f.endsWith(".ts") && f !== "index.ts");
    expect(files.map((f) => f.replace(/\.ts$/, "")).sort()).toEqual(policies.map((p) => p.name).sort());
  });

  it.each(policies.map((p) => [p.name, p] as const))("%s has the metadata a reviewer needs", (_name, policy) => {
    expect(policy.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(["mandatory", "advisory"]).toContain(policy.enforcementLevel);
    // The description says why the policy has its level.
    expect(policy.description).toMatch(new RegExp(`\\. ${policy.enforcementLevel === "mandatory" ? "Mandatory" : "Advisory"}\\b`));
    expect(policy.severity).toBeDefined();
    expect(policy.remediationSteps).toEqual(expect.any(String));
    for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
      expect([key, schema.default !== undefined, typeof schema.description]).toEqual([key, true, "string"]);
    }
    expect(readme).toContain(`| \`${policy.name}\` | ${policy.enforcementLevel} |`);
  });

  it("has unique policy names", () => {
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
