import * as fs from "node:fs";
import * as path from "node:path";

/** The four parts every troubleshooting entry has, as bold labels at the start of a line. */
export const troubleshootingParts = ["Symptom", "Show it", "Cause", "Fix"] as const;

/** One `#### <id>: <symptom>` entry of the README's "Troubleshooting" section. */
export interface TroubleshootingEntry {
  readonly id: string;
  readonly heading: string;
  /** The entry's lines up to the next heading. */
  readonly body: string;
}

/**
 * The entries of the `### Troubleshooting` section of `markdown`, up to the next heading of its level
 * or above. Fenced code is skipped, so a `#` comment in a shell block is not a heading.
 */
export function troubleshootingEntries(markdown: string): TroubleshootingEntry[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line === "### Troubleshooting");
  if (start < 0) {
    throw new Error("README.md has no '### Troubleshooting' section");
  }
  const entries: { id: string; heading: string; body: string[] }[] = [];
  let fenced = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("```")) {
      fenced = !fenced;
    }
    if (!fenced && /^#{1,3} /.test(line)) {
      break;
    }
    const heading = fenced ? null : /^#### ([^:\s]+): (.+)$/.exec(line);
    if (heading?.[1] !== undefined) {
      entries.push({ id: heading[1], heading: line, body: [] });
    } else {
      entries.at(-1)?.body.push(line);
    }
  }
  return entries.map((entry) => ({ id: entry.id, heading: entry.heading, body: entry.body.join("\n") }));
}

/** The parts of `troubleshootingParts` an entry lacks (each `**<part>.**` opening a line). */
export function missingParts(entry: TroubleshootingEntry): string[] {
  return troubleshootingParts.filter((part) => !new RegExp(`^\\*\\*${part}\\.\\*\\*\\s+\\S`, "m").test(entry.body));
}

/** The ids among `ids` that a `.ts` file of `directory` (other than those in `exclude`) names as a string literal. */
export function idsNamedInCode(ids: readonly string[], directory: string, exclude: readonly string[]): string[] {
  const sources = fs
    .readdirSync(directory)
    .filter((file) => file.endsWith(".ts") && !exclude.includes(file))
    .map((file) => fs.readFileSync(path.join(directory, file), "utf8"));
  return ids.filter((id) => sources.some((source) => source.includes(`"${id}"`) || source.includes(`'${id}'`) || source.includes(`\`${id}\``)));
}
