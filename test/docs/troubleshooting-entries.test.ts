import * as fs from "node:fs";
import * as path from "node:path";
import { troubleshootingIds } from "../../flywheel-job/src/contract";
import { idsNamedInCode, missingParts, troubleshootingEntries } from "../support/readme-troubleshooting";

const readmePath = path.join(__dirname, "../../README.md");
/** The checks of `flywheel verify platform`, which name the entry that answers each failure. */
const checksDirectory = path.join(__dirname, "../../flywheel-job/src/verify/platform");
/** Declares the ids without reporting any, so it does not count as naming one. */
const contractFile = "platform-verify-contract.ts";

/**
 * Entries for failures no check reports: the deployment guide's, and what goes wrong outside the
 * platform's steady state (a Helm install, a run, a backup). An id here that a check starts to name
 * should move out of the list.
 */
const guideOnlyEntries: readonly string[] = [
  "nimservice-pending-pool-at-zero",
  "customizer-job-pending-volcano",
  "jobs-stuck",
  "helm-clusterrole-exists",
  "cronjob-exits-75",
  "backup-late",
];

const entries = troubleshootingEntries(fs.readFileSync(readmePath, "utf8"));

describe("the README's Troubleshooting section", () => {
  test.each([...troubleshootingIds])("has exactly one entry for %s", (id) => {
    expect(entries.filter((entry) => entry.id === id)).toHaveLength(1);
  });

  test("has no entry for an id outside the contract's list", () => {
    const known: readonly string[] = troubleshootingIds;
    expect(entries.map((entry) => entry.id).filter((id) => !known.includes(id))).toEqual([]);
  });

  test.each(entries.map((entry) => [entry.id, entry] as const))("%s has a symptom, how to show it, a cause and a fix", (_id, entry) => {
    expect(missingParts(entry)).toEqual([]);
  });
});

describe("troubleshooting ids", () => {
  const named = idsNamedInCode(troubleshootingIds, checksDirectory, [contractFile]);

  test.each([...troubleshootingIds])("%s is named by a check or listed as a guide-only entry", (id) => {
    expect(named.includes(id) || guideOnlyEntries.includes(id)).toBe(true);
  });

  test("a guide-only entry is in the contract's list and no check names it", () => {
    const known: readonly string[] = troubleshootingIds;
    expect(guideOnlyEntries.filter((id) => !known.includes(id) || named.includes(id))).toEqual([]);
  });
});

describe("the section's parser", () => {
  const markdown = [
    "## Deploying",
    "### Troubleshooting",
    "#### a-id: something fails",
    "**Symptom.** it fails.",
    "**Show it.** `kubectl get pods`.",
    "```sh",
    "# not a heading",
    "```",
    "**Cause.** a cause.",
    "**Fix.** a fix.",
    "#### b-id: another",
    "**Symptom.** only this.",
    "## Security model",
    "#### c-id: after the section",
  ].join("\n");

  test("reads each entry up to the next section, ignoring fenced comments", () => {
    expect(troubleshootingEntries(markdown).map((entry) => entry.id)).toEqual(["a-id", "b-id"]);
  });

  test("names the parts an entry lacks", () => {
    const [complete, partial] = troubleshootingEntries(markdown);
    expect(complete && missingParts(complete)).toEqual([]);
    expect(partial && missingParts(partial)).toEqual(["Show it", "Cause", "Fix"]);
  });

  test("refuses a README without the section", () => {
    expect(() => troubleshootingEntries("# Title\n")).toThrow("no '### Troubleshooting' section");
  });
});
