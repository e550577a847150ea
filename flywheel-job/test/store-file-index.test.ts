import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { pendingCustomization, pendingEvaluation, pendingJudgeRun, pendingNim, pendingRun, type RunRecord } from "../src/store/records";
import { RunStore } from "../src/store/run-store";
import { temporaryDirectory } from "./support/logs";

function run(index: number, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    ...pendingRun({
      workload_id: index % 2 === 0 ? "even" : "odd",
      client_id: "c",
      started_at: new Date(Date.UTC(2025, 0, 1) + index * 60_000),
      seed: index,
      targets: {},
      gpu_hourly_cost: null,
      job: null,
    }),
    status: "completed",
    ...overrides,
  };
}

/** A store on `directory` that records which files it reads, as `<collection>/<file>`. */
function countingStore(directory: string): { readonly store: RunStore; readonly reads: string[] } {
  const reads: string[] = [];
  const records = new JsonFileRecordStore(directory, { onFileRead: (path) => reads.push(`${basename(dirname(path))}/${basename(path)}`) });
  return { store: new RunStore(records), reads };
}

async function seedRuns(store: RunStore, count: number): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (let index = 0; index < count; index++) {
    const r = run(index);
    await store.insertRun(r);
    runs.push(r);
  }
  return runs;
}

const ids = (records: readonly { readonly id: string }[]): string[] => records.map((r) => r.id);
const journal = (directory: string, collection: string): string => join(directory, "indexes", `${collection}.jsonl`);

describe("JsonFileRecordStore's index", () => {
  it("reads the index and the page's runs (one more to know a next page follows), not every run", async () => {
    const directory = temporaryDirectory();
    const runs = await seedRuns(new RunStore(new JsonFileRecordStore(directory)), 500);
    const newestFirst = [...runs].reverse();
    const { store, reads } = countingStore(directory);

    const page = await store.listRunsPage({ limit: 10 });
    expect(ids(page.runs)).toEqual(ids(newestFirst.slice(0, 10)));
    expect(reads.filter((path) => path.startsWith("indexes/"))).toEqual(["indexes/flywheel_runs.jsonl"]);
    expect(reads.filter((path) => path.startsWith("flywheel_runs/")).sort()).toEqual(newestFirst.slice(0, 11).map((r) => `flywheel_runs/${r.id}.json`).sort());

    reads.length = 0;
    const next = await store.listRunsPage({ workloadId: "odd", limit: 10, after: page.next });
    expect(ids(next.runs)).toEqual(ids(newestFirst.slice(10).filter((r) => r.workload_id === "odd").slice(0, 10)));
    expect(reads.filter((path) => path.startsWith("flywheel_runs/"))).toHaveLength(11);
  });

  it("serves a page again from its cache, reading again only the runs whose files changed since", async () => {
    const directory = temporaryDirectory();
    const writer = new RunStore(new JsonFileRecordStore(directory));
    const runs = await seedRuns(writer, 30);
    const newestFirst = [...runs].reverse();
    // Files are cached once they have not changed for a while: these were written an hour ago.
    const anHourAgo = new Date(Date.now() - 3_600_000);
    for (const name of readdirSync(join(directory, "flywheel_runs"))) {
      utimesSync(join(directory, "flywheel_runs", name), anHourAgo, anHourAgo);
    }
    const { store, reads } = countingStore(directory);
    const runFiles = (): string[] => reads.filter((path) => path.startsWith("flywheel_runs/"));

    const first = await store.listRunsPage({ limit: 10 });
    expect(runFiles()).toHaveLength(11);
    reads.length = 0;
    const again = await store.listRunsPage({ limit: 10 });
    expect(again).toEqual(first);
    expect(runFiles()).toEqual([]);

    const changed = newestFirst[3];
    await writer.updateRun(changed.id, { num_records: 77 });
    await writer.updateRun(newestFirst[5].id, { status: "failed" });
    reads.length = 0;
    const afterChanges = await store.listRunsPage({ limit: 10 });
    expect(afterChanges.runs.find((r) => r.id === changed.id)?.num_records).toBe(77);
    expect(afterChanges.runs.find((r) => r.id === newestFirst[5].id)?.status).toBe("failed");
    expect(runFiles().sort()).toEqual([changed, newestFirst[5]].map((r) => `flywheel_runs/${r.id}.json`).sort());

    // What one caller does to a record it was served does not reach the next caller.
    (again.runs[0] as { status: string }).status = "running";
    expect((await store.getRun(newestFirst[0].id))?.status).toBe("completed");
  });

  it("trusts its cache without a stat per file while the runs' directory is unchanged, and not once a file in it was replaced", async () => {
    const directory = temporaryDirectory();
    const writer = new RunStore(new JsonFileRecordStore(directory));
    const newestFirst = (await seedRuns(writer, 30)).reverse();
    // Written an hour ago, so a clock that reads the same millisecond as the writes does not keep them uncached.
    const anHourAgo = new Date(Date.now() - 3_600_000);
    for (const name of readdirSync(join(directory, "flywheel_runs"))) {
      utimesSync(join(directory, "flywheel_runs", name), anHourAgo, anHourAgo);
    }
    utimesSync(join(directory, "flywheel_runs"), anHourAgo, anHourAgo);
    const reads: string[] = [];
    // Files and directories count as settled at once, so the directory's identity is trusted here.
    const store = new RunStore(new JsonFileRecordStore(directory, { onFileRead: (path) => reads.push(basename(path)), cacheSettledMs: 0 }));
    const runFiles = (): string[] => reads.filter((name) => name !== "flywheel_runs.jsonl");

    const first = await store.listRunsPage({ limit: 10 });
    expect(runFiles()).toHaveLength(11);
    reads.length = 0;
    expect(await store.listRunsPage({ limit: 10 })).toEqual(first);
    expect(runFiles()).toEqual([]);

    // The update renames a new file into the directory, which gives the directory another identity.
    await writer.updateRun(newestFirst[2].id, { num_records: 12 });
    reads.length = 0;
    const afterUpdate = await store.listRunsPage({ limit: 10 });
    expect(afterUpdate.runs.find((r) => r.id === newestFirst[2].id)?.num_records).toBe(12);
    expect(runFiles()).toEqual([`${newestFirst[2].id}.json`]);
  });

  it("reads only a run's own part files for its details", async () => {
    const directory = temporaryDirectory();
    const writer = new RunStore(new JsonFileRecordStore(directory));
    const runs = await seedRuns(writer, 20);
    const parts = new Map<string, string[]>();
    for (const r of runs) {
      const files = [`flywheel_runs/${r.id}.json`];
      for (const model of ["a", "b", "c"]) {
        const nim = pendingNim({ flywheel_run_id: r.id, model_name: model, gpus: 1 });
        await writer.insertNim(nim);
        const evaluations = [pendingEvaluation({ nim_id: nim.id, eval_type: "base-eval" }), pendingEvaluation({ nim_id: nim.id, eval_type: "icl-eval" })];
        for (const evaluation of evaluations) {
          await writer.insertEvaluation(evaluation);
        }
        const customization = pendingCustomization({ nim_id: nim.id, base_model: model });
        await writer.insertCustomization(customization);
        files.push(`nims/${nim.id}.json`, ...evaluations.map((e) => `evaluations/${e.id}.json`), `customizations/${customization.id}.json`);
      }
      const judge = pendingJudgeRun({ flywheel_run_id: r.id, model_name: "judge", deployment_type: "remote" });
      await writer.insertJudgeRun(judge);
      files.push(`llm_judge_runs/${judge.id}.json`);
      parts.set(r.id, files);
    }
    const { store, reads } = countingStore(directory);
    const chosen = runs[7];

    const details = (await store.details(chosen.id))!;
    expect(details.nims).toHaveLength(3);
    expect(details.evaluations).toHaveLength(6);
    expect(details.customizations).toHaveLength(3);
    expect(details.judgeRuns).toHaveLength(1);
    expect(reads.filter((path) => !path.startsWith("indexes/")).sort()).toEqual([...parts.get(chosen.id)!].sort());
  });

  it("stays right for two stores writing one directory at once", async () => {
    const directory = temporaryDirectory();
    const first = new RunStore(new JsonFileRecordStore(directory));
    const second = new RunStore(new JsonFileRecordStore(directory));
    const runs = Array.from({ length: 60 }, (_, index) => run(index, { status: "running" }));
    await Promise.all(runs.map((r, index) => (index % 2 === 0 ? first : second).insertRun(r)));
    const newestFirst = ids([...runs].reverse());
    expect(ids(await first.listRuns())).toEqual(newestFirst);
    expect(ids(await second.listRuns())).toEqual(newestFirst);

    // Each changes the other's runs while both have their index loaded.
    await Promise.all(runs.slice(0, 20).map((r, index) => (index % 2 === 0 ? second : first).finishRun(r.id, { status: "completed", finished_at: new Date() })));
    await Promise.all([first.deleteRun((await first.details(runs[21].id))!), second.deleteRun((await second.details(runs[22].id))!)]);
    const completed = ids(runs.slice(0, 20).reverse());
    for (const store of [first, second]) {
      expect(ids(await store.listRuns({ statuses: ["completed"] }))).toEqual(completed);
      expect(ids(await store.listRuns({ statuses: ["running"] }))).toEqual(ids(runs.slice(20).filter((r) => r !== runs[21] && r !== runs[22]).reverse()));
      expect(await store.getRun(runs[21].id)).toBeUndefined();
    }
    expect((await second.requestCancel(runs[30].id))?.changed).toBe(true);
    expect(ids(await first.listRuns({ statuses: ["cancelled"] }))).toEqual([runs[30].id]);
    expect(await first.listRuns({ statuses: ["running"], workloadId: "even", limit: 1 })).toEqual([{ ...runs[58] }]);
  });

  it("rebuilds an index that is absent, as in a state directory written before indexes existed, or unreadable", async () => {
    const directory = temporaryDirectory();
    const runs = await seedRuns(new RunStore(new JsonFileRecordStore(directory)), 30);
    rmSync(join(directory, "indexes"), { recursive: true });
    const newestFirst = ids([...runs].reverse());

    expect(ids(await new RunStore(new JsonFileRecordStore(directory)).listRuns())).toEqual(newestFirst);
    expect(existsSync(journal(directory, "flywheel_runs"))).toBe(true);

    writeFileSync(journal(directory, "flywheel_runs"), '{"format":"something else"}\n["+","not an id"]\n');
    expect(ids(await new RunStore(new JsonFileRecordStore(directory)).listRuns({ workloadId: "odd" }))).toEqual(newestFirst.filter((_, index) => index % 2 === 0));
    expect(readFileSync(journal(directory, "flywheel_runs"), "utf8")).toContain('"format":"flywheel-record-index"');
  });

  it("finds a run whose writer died between marking it and settling it, and cuts off a torn last line", async () => {
    const directory = temporaryDirectory();
    const writer = new RunStore(new JsonFileRecordStore(directory));
    const runs = await seedRuns(writer, 5);
    const reader = new RunStore(new JsonFileRecordStore(directory));
    expect(await reader.listRuns({ statuses: ["cancelled"] })).toEqual([]);

    // A writer marked runs[2], rewrote its file, and died before writing its new entry (mid-line).
    appendFileSync(journal(directory, "flywheel_runs"), `["?","${runs[2].id}"]\n["+","${runs[2].id}","ev`);
    const path = join(directory, "flywheel_runs", `${runs[2].id}.json`);
    writeFileSync(path, JSON.stringify({ ...runs[2], status: "cancelled" }));
    expect(ids(await reader.listRuns({ statuses: ["cancelled"] }))).toEqual([runs[2].id]);
    expect(ids(await reader.listRuns({ statuses: ["completed"] }))).toEqual(ids([runs[4], runs[3], runs[1], runs[0]]));

    await writer.updateRun(runs[4].id, { status: "failed" });
    const lines = readFileSync(journal(directory, "flywheel_runs"), "utf8").split("\n");
    expect(lines[lines.length - 1]).toBe("");
    expect(lines.every((line) => line === "" || JSON.parse(line) !== undefined)).toBe(true);
    for (const store of [reader, writer, new RunStore(new JsonFileRecordStore(directory))]) {
      expect(ids(await store.listRuns({ statuses: ["cancelled"] }))).toEqual([runs[2].id]);
      expect(ids(await store.listRuns({ statuses: ["failed"] }))).toEqual([runs[4].id]);
    }
  });

  it("compacts the index after many changes, and readers follow the new file", async () => {
    const directory = temporaryDirectory();
    const writer = new RunStore(new JsonFileRecordStore(directory));
    const runs = await seedRuns(writer, 3);
    const reader = new RunStore(new JsonFileRecordStore(directory));
    expect(ids(await reader.listRuns({ statuses: ["completed"] }))).toHaveLength(3);
    for (let round = 0; round < 520; round++) {
      await writer.updateRun(runs[0].id, { status: round % 2 === 0 ? "failed" : "completed" });
    }
    await writer.updateRun(runs[1].id, { status: "failed" });
    expect(readFileSync(journal(directory, "flywheel_runs"), "utf8").split("\n").length).toBeLessThan(100);
    expect(ids(await reader.listRuns({ statuses: ["failed"] }))).toEqual([runs[1].id]);
    expect(ids(await reader.listRuns({ statuses: ["completed"] }))).toEqual([runs[2].id, runs[0].id]);
  });

  it("finds a part by its reference after inserts and deletes, skipping ids whose files are gone or say otherwise", async () => {
    const directory = temporaryDirectory();
    const writer = new JsonFileRecordStore(directory);
    const [first, second] = [run(0), run(1)];
    const nims = [first, first, second].map((r, index) => pendingNim({ flywheel_run_id: r.id, model_name: `m${index}`, gpus: 1 }));
    for (const nim of nims) {
      await writer.insert("nims", nim);
    }
    const reader = new JsonFileRecordStore(directory);
    const nimsOf = async (store: JsonFileRecordStore, runId: string): Promise<string[]> => ids(await store.find("nims", { flywheel_run_id: runId })).sort();
    expect(await nimsOf(reader, first.id)).toEqual(ids(nims.slice(0, 2)).sort());
    expect(await reader.find("nims", { flywheel_run_id: [first.id, second.id] })).toHaveLength(3);

    // Deleted by another process after the reader loaded the index; then one inserted for the run.
    await writer.delete("nims", [nims[0].id]);
    const later = pendingNim({ flywheel_run_id: first.id, model_name: "later", gpus: 1 });
    await writer.insert("nims", later);
    expect(await nimsOf(reader, first.id)).toEqual(ids([nims[1], later]).sort());
    expect(await nimsOf(new JsonFileRecordStore(directory), first.id)).toEqual(ids([nims[1], later]).sort());

    // A file removed, or rewritten to another run, behind the index's back: its entry is stale and skipped.
    rmSync(join(directory, "nims", `${nims[1].id}.json`));
    writeFileSync(join(directory, "nims", `${later.id}.json`), JSON.stringify({ ...later, flywheel_run_id: second.id }));
    expect(await nimsOf(reader, first.id)).toEqual([]);
    expect(await nimsOf(reader, second.id)).toEqual([nims[2].id]);
  });

  it("finds parts among thousands, including references that share their last digits or are not record ids", async () => {
    const directory = temporaryDirectory();
    const references = Array.from({ length: 700 }, (_, index) => `${index.toString(16).padStart(17, "0")}1234567`);
    const customizations = references.flatMap((reference) => [0, 1, 2].map((copy) => pendingCustomization({ nim_id: reference, base_model: `m${copy}` })));
    const odd = pendingCustomization({ nim_id: "not a record id", base_model: "m" });
    new JsonFileRecordStore(directory).seedWithoutIndex("customizations", [...customizations, odd]);
    const byReference = (reference: string): string[] => ids(customizations.filter((c) => c.nim_id === reference)).sort();

    for (const store of [new JsonFileRecordStore(directory), new JsonFileRecordStore(directory)]) {
      for (const reference of [references[0], references[1], references[699]]) {
        expect(ids(await store.find("customizations", { nim_id: reference })).sort()).toEqual(byReference(reference));
      }
      expect(ids(await store.find("customizations", { nim_id: "not a record id" }))).toEqual([odd.id]);
      expect(await store.find("customizations", {})).toHaveLength(customizations.length + 1);
    }
  });

  it("drops deleted parts from the index when it compacts, and readers follow", async () => {
    const directory = temporaryDirectory();
    const writer = new JsonFileRecordStore(directory);
    const owner = run(0);
    const evaluations = Array.from({ length: 300 }, (_, index) => pendingEvaluation({ nim_id: owner.id, eval_type: index % 2 === 0 ? "base-eval" : "icl-eval" }));
    for (const evaluation of evaluations) {
      await writer.insert("evaluations", evaluation);
    }
    const reader = new JsonFileRecordStore(directory);
    expect(await reader.find("evaluations", { nim_id: owner.id })).toHaveLength(300);
    const [deleted, kept] = [evaluations.slice(0, 280), evaluations.slice(280)];
    await writer.delete("evaluations", ids(deleted));

    const text = readFileSync(journal(directory, "evaluations"), "utf8");
    expect(text.split("\n").length).toBeLessThan(150);
    expect(deleted.slice(0, 200).filter((evaluation) => text.includes(`["+","${evaluation.id}"`))).toEqual([]);
    for (const store of [reader, writer, new JsonFileRecordStore(directory)]) {
      expect(ids(await store.find("evaluations", { nim_id: owner.id })).sort()).toEqual(ids(kept).sort());
    }
  });

  it("applies a part journal's lines in order, whether written compactly or spelled another way", async () => {
    const directory = temporaryDirectory();
    const writer = new JsonFileRecordStore(directory);
    const owner = run(0);
    const nims = [0, 1, 2, 3].map((index) => pendingNim({ flywheel_run_id: owner.id, model_name: `m${index}`, gpus: 1 }));
    for (const nim of nims.slice(0, 3)) {
      await writer.insert("nims", nim);
    }
    const reader = new JsonFileRecordStore(directory);
    expect(await reader.find("nims", { flywheel_run_id: owner.id })).toHaveLength(3);

    // As a hand or another writer might leave them: a removal then a compact re-insert (which must
    // win), a compact line then its removal, and an entry spelled with spaces for a file written by hand.
    writeFileSync(join(directory, "nims", `${nims[3].id}.json`), JSON.stringify(nims[3]));
    appendFileSync(
      journal(directory, "nims"),
      [`["-","${nims[0].id}"]`, `["+","${nims[0].id}","${owner.id}"]`, `["+","${nims[1].id}","${owner.id}"]`, `["-","${nims[1].id}"]`, `[ "+", "${nims[3].id}", "${owner.id}" ]`].join("\n") + "\n",
    );
    const expected = ids([nims[0], nims[2], nims[3]]).sort();
    for (const store of [reader, new JsonFileRecordStore(directory)]) {
      expect(ids(await store.find("nims", { flywheel_run_id: owner.id })).sort()).toEqual(expected);
    }
  });

  it("reads a journal longer than one read of it, splitting no character", async () => {
    const directory = temporaryDirectory();
    // About 300 KiB of journal; multi-byte characters make a read end inside one more likely.
    const runs = Array.from({ length: 4000 }, (_, index) => run(index, { workload_id: index % 3 === 0 ? "élan-é" : "plain", client_id: "客户-€" }));
    new JsonFileRecordStore(directory).seedWithoutIndex("flywheel_runs", runs);
    const accented = ids(runs.filter((_, index) => index % 3 === 0).reverse());

    expect(ids(await new RunStore(new JsonFileRecordStore(directory)).listRuns({ workloadId: "élan-é" }))).toEqual(accented);
    expect(readFileSync(journal(directory, "flywheel_runs")).length).toBeGreaterThan(256 * 1024);
    const reader = new RunStore(new JsonFileRecordStore(directory));
    expect(ids(await reader.listRuns({ workloadId: "élan-é", clientId: "客户-€" }))).toEqual(accented);
    expect(await reader.listRuns({ workloadId: "plain" })).toHaveLength(runs.length - accented.length);
  });

  it("appends nothing for an update that changes no indexed field", async () => {
    const directory = temporaryDirectory();
    const writer = new RunStore(new JsonFileRecordStore(directory));
    const [only] = await seedRuns(writer, 1);
    const before = readFileSync(journal(directory, "flywheel_runs"), "utf8");
    await writer.updateRun(only.id, { num_records: 12 });
    expect(readFileSync(journal(directory, "flywheel_runs"), "utf8")).toBe(before);
    expect(await writer.listRuns({ statuses: ["completed"] })).toEqual([{ ...only, num_records: 12 }]);
  });
});
