import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { compareResources, differences, type Move, type RenderedResource, type ResourceChange } from "../render/urns";

/**
 * `npm run render:diff -- <before> <after>`: what `pulumi up` would change between two renders of
 * a stack (`dist/<stack>/` as `npm run render` writes it), with order normalised.
 *
 * Resources are matched as the engine matches them with a stack's state: by URN, then by alias URN
 * (render/urns.ts). A render from before URNs were recorded gets them computed from its parents.
 * Prints each resource `pulumi up` would create (+), delete (-), replace (±: its URN changed with no
 * alias keeping it) or update (~: inputs or options), and each added, removed and changed manifest
 * (by kind, namespace and name) and output, with the paths that differ. Two resources claiming one
 * old URN are errors. Apart from these, and not differences: resources that moved and kept their
 * state through an alias, and what changed of components alone ("component tree": they hold no
 * state). Exits 1 when anything differs or errs, 0 when the renders are the same, 2 on bad arguments.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Render {
  readonly resources: RenderedResource[];
  /** Every manifest and output, by a stable key. */
  readonly entries: Map<string, Json>;
}

function read(dir: string): Render {
  const file = path.join(dir, "resources.json");
  if (!fs.existsSync(file)) {
    throw new Error(`${dir} holds no resources.json: render a stack into it first (npm run render -- <stack>)`);
  }
  const resources = JSON.parse(fs.readFileSync(file, "utf8")) as RenderedResource[];
  const entries = new Map<string, Json>();
  const manifests = path.join(dir, "manifests");
  for (const name of fs.existsSync(manifests) ? fs.readdirSync(manifests) : []) {
    for (const document of parseAllDocuments(fs.readFileSync(path.join(manifests, name), "utf8"))) {
      const object = document.toJS() as { kind?: string; metadata?: { namespace?: string; name?: string } } | null;
      if (object) {
        entries.set(`manifest ${object.kind ?? "?"} ${object.metadata?.namespace ?? "-"}/${object.metadata?.name ?? "?"}`, object);
      }
    }
  }
  const outputs = JSON.parse(fs.readFileSync(path.join(dir, "outputs.json"), "utf8")) as Record<string, Json>;
  for (const [key, value] of Object.entries(outputs)) {
    entries.set(`output ${key}`, value);
  }
  return { resources, entries };
}

const marks: Record<ResourceChange["kind"], string> = { added: "+", removed: "-", replaced: "±", changed: "~" };

function changeLines(change: ResourceChange, label: string): string[] {
  const { type, name } = change.resource;
  const note = change.kind === "replaced" ? "  (URN changed and no alias keeps it: replaced)" : "";
  return [`${marks[change.kind]} ${label}${type} ${name}${note}`, ...change.paths.map((line) => `    ${line}`)];
}

function moveLine(move: Move): string {
  const { before, after } = move;
  const what = [
    ...(before.type !== after.type || before.name !== after.name ? [`was ${before.type} ${before.name}`] : []),
    ...(before.parent !== after.parent ? [`parent ${before.parent ?? "(stack)"} → ${after.parent ?? "(stack)"}`] : []),
  ];
  return `  ${after.type} ${after.name}: ${what.length > 0 ? what.join(", ") : "an ancestor moved"}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function main(argv: readonly string[]): number {
  if (argv.length !== 2 || argv.some((arg) => arg.startsWith("-"))) {
    console.error("usage: npm run render:diff -- <before-dir> <after-dir>    (each a dist/<stack>/ of npm run render)");
    return 2;
  }
  const [before, after] = argv.map(read);
  const resources = compareResources(before.resources, after.resources);

  // Differences, resources among manifests and outputs, sorted by what they are.
  const listed: { key: string; lines: string[] }[] = resources.changes.map((change) => ({
    key: `resource ${change.resource.type} ${change.resource.name}`,
    lines: changeLines(change, "resource "),
  }));
  const keys = [...new Set([...before.entries.keys(), ...after.entries.keys()])].sort();
  for (const key of keys) {
    if (!before.entries.has(key)) {
      listed.push({ key, lines: [`+ ${key}`] });
    } else if (!after.entries.has(key)) {
      listed.push({ key, lines: [`- ${key}`] });
    } else {
      const paths = differences(before.entries.get(key), after.entries.get(key));
      if (paths.length > 0) {
        listed.push({ key, lines: [`~ ${key}`, ...paths.map((line) => `    ${line}`)] });
      }
    }
  }
  listed.sort((a, b) => a.key.localeCompare(b.key)).forEach(({ lines }) => lines.forEach((line) => console.log(line)));

  resources.notes.forEach((note) => console.log(`note: ${note}`));
  resources.errors.forEach((error) => console.log(`error: ${error}`));
  const moved = resources.moved.filter((move) => move.byAlias);
  const reparented = resources.moved.filter((move) => !move.byAlias);
  if (moved.length > 0) {
    console.log(`moved, URN kept by alias: ${moved.length}`);
    moved.forEach((move) => console.log(moveLine(move)));
  }
  if (reparented.length > 0) {
    console.log(`moved, URN unchanged: ${reparented.length}`);
    reparented.forEach((move) => console.log(moveLine(move)));
  }
  if (resources.componentTree.length > 0) {
    console.log(`component tree: ${resources.componentTree.length}`);
    resources.componentTree.forEach((change) => changeLines(change, "").forEach((line) => console.log(`  ${line}`)));
  }

  const differing = listed.length;
  const total = resources.entries + keys.length;
  if (differing === 0 && resources.errors.length === 0) {
    const aside = [
      ...(moved.length > 0 ? [`${moved.length} moved resources, URNs kept by aliases`] : []),
      ...(reparented.length > 0 ? [`${reparented.length} moved resources, URNs unchanged`] : []),
      ...(resources.componentTree.length > 0 ? [`component tree: ${plural(resources.componentTree.length, "change")}`] : []),
    ];
    console.log(`renders are the same${aside.length > 0 ? `: ${aside.join("; ")}` : ""}`);
    return 0;
  }
  const errors = resources.errors.length > 0 ? `; ${plural(resources.errors.length, "error")}` : "";
  console.log(`${differing} of ${total} entries differ${errors}`);
  return 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
