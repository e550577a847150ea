/**
 * The hostile records of the security review at full size (`npm run bench:hostile`): each case runs
 * `flywheel plan` of the compiled CLI (dist/, built by the npm script) in a Node.js process of its
 * own with a 1.5 GiB heap, on the 2,000-record sample (without its own hostile records) plus the
 * case's records, all of the sample's pair and newer than its records. It prints each run's exit
 * code, drops and peak RSS. `npm test` runs the same cases scaled down.
 *
 * - one line of 600 MB, longer than V8 can make a string;
 * - 1,565 records of 2 MiB: over the default bound, and again with the bound raised to 4 MiB so
 *   that all of them are read, sampled and written (they exhausted a 1.5 GiB heap, exit 134);
 * - a record whose tool-call arguments nest 5,000 levels deep (~15 KB), which made JSON.stringify
 *   overflow the call stack in every scheduled run.
 *
 *   npm run bench:hostile [-- --keep]
 */
import { once } from "node:events";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { planDefaultConfig } from "../src/config/plan-defaults";
import { mebibytes, measurePlan, renderTable, seconds } from "./bench-support";
import { generateLogLines, hostileDefects } from "./generate-sample-logs";

const heapMiB = 1536;
const workloadId = "customer-support";
const clientId = "support-web";

/** The sample's lines without its hostile records, and one of its pair's tool-calling records as a template. */
function baseExport(): { readonly lines: string[]; readonly template: Record<string, unknown> } {
  const lines = [...generateLogLines({ records: 2000, seed: 7 })].filter((line) => !hostileDefects.some((defect) => line.includes(`[${defect}]`)));
  const template = lines
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    })
    .find((doc) => doc?.workload_id === workloadId && doc.client_id === clientId && JSON.stringify(doc.response).includes('"tool_calls"'));
  return { lines, template: template! };
}

/** The template with its own user text, a timestamp newer than the sample's, and `edit` applied. */
function variant(template: Record<string, unknown>, n: number, edit: (doc: Record<string, unknown>, request: Record<string, unknown>) => void): Record<string, unknown> {
  const doc = structuredClone(template);
  const request = doc.request as { messages: Array<{ role: string; content: unknown }> } & Record<string, unknown>;
  request.messages = [...request.messages.filter((m) => m.role !== "user"), { role: "user", content: `hostile record ${n}` }];
  doc.timestamp = new Date(Date.UTC(2030, 0, 1) + n * 1000).toISOString();
  edit(doc, request);
  return doc;
}

/** Writes the base export and then `extra` lines, which may be written in pieces (a line longer than a string can be). */
async function writeExport(path: string, base: readonly string[], extra: (write: (text: string) => Promise<void>) => Promise<void>): Promise<void> {
  const stream = createWriteStream(path);
  const write = async (text: string): Promise<void> => {
    if (!stream.write(text)) {
      await once(stream, "drain");
    }
  };
  for (const line of base) {
    await write(`${line}\n`);
  }
  await extra(write);
  await new Promise<void>((resolve, reject) => {
    stream.once("error", reject);
    stream.end(resolve);
  });
}

interface Case {
  readonly name: string;
  readonly file: string;
  readonly data?: Record<string, unknown>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { keep: { type: "boolean" } } });
  const dir = mkdtempSync(join(tmpdir(), "flywheel-bench-hostile-"));
  const { lines, template } = baseExport();
  const cases: Case[] = [];
  try {
    process.stderr.write("writing one 600 MB line ...\n");
    const longLine = join(dir, "one-600-mb-line.jsonl");
    await writeExport(longLine, lines, async (write) => {
      const text = JSON.stringify(variant(template, 0, (doc) => (doc.debug_trace = "")));
      await write(text.slice(0, -2));
      const piece = "stack frame ".repeat(1 << 16);
      for (let written = 0; written < 600e6; written += piece.length) {
        await write(piece);
      }
      await write('"}\n');
    });
    cases.push({ name: "one line of 600 MB", file: longLine });

    process.stderr.write("writing 1,565 records of 2 MiB ...\n");
    const large = join(dir, "2-mib-records.jsonl");
    const padding = "p".repeat(2 * 1024 * 1024);
    await writeExport(large, lines, async (write) => {
      for (let n = 0; n < 1565; n++) {
        await write(`${JSON.stringify(variant(template, n, (_doc, request) => (request.metadata = padding)))}\n`);
      }
    });
    cases.push({ name: "1,565 records of 2 MiB", file: large });
    cases.push({ name: "1,565 records of 2 MiB, maxRecordBytes 4 MiB", file: large, data: { limits: { maxRecordBytes: 4 * 1024 * 1024 } } });

    const deep = join(dir, "deep-arguments.jsonl");
    await writeExport(deep, lines, async (write) => {
      const record = variant(template, 0, (doc) => {
        const choices = (doc.response as { choices: Array<{ message: { tool_calls: Array<{ function: { arguments: string } }> } }> }).choices;
        choices[0].message.tool_calls[0].function.arguments = `${'{"q":['.repeat(2500)}${"]}".repeat(2500)}`;
      });
      await write(`${JSON.stringify(record)}\n`);
    });
    cases.push({ name: "arguments nested 5,000 levels", file: deep });

    const rows: string[][] = [];
    for (const [i, c] of cases.entries()) {
      process.stderr.write(`flywheel plan: ${c.name} ...\n`);
      const config = join(dir, `config-${i}.json`);
      writeFileSync(config, JSON.stringify({ ...planDefaultConfig, ...(c.data ? { data: c.data } : {}) }));
      const out = join(dir, `out-${i}`);
      const result = await measurePlan(["--logs", c.file, "--out", out, "--workload", workloadId, "--client", clientId, "--config", config], [`--max-old-space-size=${heapMiB}`]);
      const drops = result.code === 0 ? (JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as { drop_counts: Record<string, number> }).drop_counts : undefined;
      rows.push([
        c.name,
        `${(statSync(c.file).size / 1e6).toFixed(0)} MB`,
        String(result.code),
        drops ? `${drops.too_large}` : "—",
        drops ? `${drops.too_deep}` : "—",
        `${seconds(result.cpuMs)} (${seconds(result.ms)})`,
        mebibytes(result.maxRssKb),
      ]);
      if (result.code !== 0) {
        process.stderr.write(result.stderr);
      }
    }
    console.log(renderTable(["case", "file", "exit code", "too_large", "too_deep", "plan CPU (wall)", "peak RSS"], rows));
    console.log(`\nEach plan ran with --max-old-space-size=${heapMiB}, default data.limits unless the case says otherwise.`);
  } finally {
    if (!values.keep) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
