import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";

/**
 * `npm run render:diff -- <before> <after>`: what changed between two renders of a stack
 * (`dist/<stack>/` as `npm run render` writes it), with order normalised: resources by type and
 * name, every object's keys sorted, manifests by kind, namespace and name. Prints each added,
 * removed and changed resource, manifest and output, and for a changed one the paths that differ.
 * Exits 1 when anything differs, 0 when the renders are the same, 2 on bad arguments.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every resource, manifest and output of a render, by a stable key. */
function entries(dir: string): Map<string, Json> {
  const out = new Map<string, Json>();
  const resources = JSON.parse(fs.readFileSync(path.join(dir, "resources.json"), "utf8")) as { type: string; name: string }[];
  for (const resource of resources) {
    out.set(`resource ${resource.type} ${resource.name}`, resource as unknown as Json);
  }
  const manifests = path.join(dir, "manifests");
  for (const file of fs.existsSync(manifests) ? fs.readdirSync(manifests) : []) {
    for (const document of parseAllDocuments(fs.readFileSync(path.join(manifests, file), "utf8"))) {
      const object = document.toJS() as { kind?: string; metadata?: { namespace?: string; name?: string } } | null;
      if (object) {
        out.set(`manifest ${object.kind ?? "?"} ${object.metadata?.namespace ?? "-"}/${object.metadata?.name ?? "?"}`, object as Json);
      }
    }
  }
  const outputs = JSON.parse(fs.readFileSync(path.join(dir, "outputs.json"), "utf8")) as Record<string, Json>;
  for (const [key, value] of Object.entries(outputs)) {
    out.set(`output ${key}`, value);
  }
  return out;
}

/** The paths at which two values differ, e.g. `inputs.spec.replicas`. */
function differences(a: Json | undefined, b: Json | undefined, at = ""): string[] {
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].sort().flatMap((key) => differences((a as Record<string, Json>)[key], (b as Record<string, Json>)[key], at ? `${at}.${key}` : key));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${at || "(value)"}: ${brief(a)} → ${brief(b)}`];
}

function brief(value: Json | undefined): string {
  const text = value === undefined ? "(absent)" : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function main(argv: readonly string[]): number {
  if (argv.length !== 2 || argv.some((arg) => arg.startsWith("-"))) {
    console.error("usage: npm run render:diff -- <before-dir> <after-dir>    (each a dist/<stack>/ of npm run render)");
    return 2;
  }
  const [before, after] = argv.map((dir) => {
    if (!fs.existsSync(path.join(dir, "resources.json"))) {
      throw new Error(`${dir} holds no resources.json: render a stack into it first (npm run render -- <stack>)`);
    }
    return entries(dir);
  });
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  let changed = 0;
  for (const key of keys) {
    if (!before.has(key)) {
      console.log(`+ ${key}`);
    } else if (!after.has(key)) {
      console.log(`- ${key}`);
    } else {
      const paths = differences(before.get(key), after.get(key));
      if (paths.length === 0) {
        continue;
      }
      console.log(`~ ${key}`);
      paths.forEach((line) => console.log(`    ${line}`));
    }
    changed += 1;
  }
  console.log(changed === 0 ? "renders are the same" : `${changed} of ${keys.length} entries differ`);
  return changed === 0 ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
