import * as fs from "node:fs";
import * as path from "node:path";
import { isRecord } from "./lib/values";

/** The pack's name, as `pulumi preview --policy-pack` reports it. */
export const packName = "data-flywheel";

/** The pack's version: `version` of policies/package.json (what `new PolicyPack` reads too). */
export function packVersion(): string {
  const manifest: unknown = JSON.parse(fs.readFileSync(path.join(__dirname, "package.json"), "utf8"));
  const version = isRecord(manifest) ? manifest.version : undefined;
  if (typeof version !== "string" || version === "") {
    throw new Error("policies/package.json has no version; the policy pack is versioned by it");
  }
  return version;
}
