import { curate } from "../src/curation/curate";
import type { IclRecord } from "../src/curation/icl/build-icl-records";
import { iclExamplePool, iclExamplePoolBounds } from "../src/curation/icl/icl-example-pool";
import type { SampledRecord } from "../src/curation/records";
import { ExitCode } from "../src/errors";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { newRecordId } from "../src/store/ids";
import { pendingRun, type RunRecord } from "../src/store/records";
import { RunStore } from "../src/store/run-store";
import { ApiServing, operatorToken, readToken, tokenFileArgs } from "./support/api-serving";
import { FlywheelFixture, largerModel, smallModel, toolWorkload } from "./support/flywheel-fixture";
import { defaultLimits, logDocument, pulled, stream } from "./support/logs";

/*
 * `GET /api/jobs/{id}/icl-examples`: applications prompting a promoted model never reach Data Store,
 * so a run keeps the examples its ICL evaluation showed, bounded, and the API serves them.
 */

interface ServedExample {
  readonly rank: number;
  readonly uses: number;
  readonly request: { readonly messages: { readonly role: string; readonly content: unknown }[] };
  readonly response: unknown;
}

interface ServedExamples {
  readonly job_id: string;
  readonly status: string;
  readonly icl: {
    readonly selection: string;
    readonly max_examples_per_record: number;
    readonly examples_per_record: number[];
    readonly instruction: string;
    readonly distinct_examples: number;
    readonly omitted: { readonly over_count: number; readonly over_bytes: number };
  } | null;
  readonly examples: ServedExample[];
  readonly message?: string;
}

const path = (id: string): string => `/api/jobs/${id}/icl-examples`;

function finishedRun(): RunRecord {
  return { ...pendingRun({ workload_id: "hostile", client_id: "web", started_at: new Date(), seed: 1, targets: {}, gpu_hourly_cost: null, job: null }), status: "completed", finished_at: new Date() };
}

/**
 * ICL records of a semantic run that showed 70 distinct examples, the most used five of them huge
 * (200 KiB of text that tries to close a script tag): the pool keeps 64 at most, none over the byte bound.
 */
async function hostileIclRecords(): Promise<{ records: IclRecord[]; stats: { selection: "semantic"; examplesPerRecord: number[] } }> {
  const documents = Array.from({ length: 70 }, (_, i) =>
    logDocument({ user: i < 5 ? `</script><script>alert(${i})</script>${"x".repeat(200 * 1024)}` : `small question ${i}`, tool: "lookup" }),
  );
  // A tool schema with `$ref` and `$defs`, as JSON Schema writes them: served as it was logged.
  documents[5] = { ...documents[5], request: { ...(documents[5].request as object), tools: [{ type: "function", function: { name: "lookup", parameters: { $ref: "#/$defs/order", $defs: { order: { type: "object" } } } } }] } };
  const curated = await curate(stream(documents.map((d, i) => pulled(d, 2_000_000_000_000 - i * 1000))), { limit: 1000, seed: 1, limits: defaultLimits });
  const byUser = new Map<string, SampledRecord>(curated.sample.map((record) => [JSON.stringify(record.load().request.messages.at(-1)?.content), record]));
  const ordered = documents.map((d) => byUser.get(JSON.stringify((d.request as { messages: { content: string }[] }).messages.at(-1)?.content))!);
  const [evalRecord] = ordered;
  // Every evaluation record shows the five huge ones, and one small one each.
  const records = ordered.slice(5).map((small) => ({ record: evalRecord, examples: [...ordered.slice(0, 5), small] }));
  return { records, stats: { selection: "semantic", examplesPerRecord: [0, 0, 0, 0, 0, 0, records.length] } };
}

describe("GET /api/jobs/{id}/icl-examples", () => {
  let api: ApiServing;
  let store: RunStore;
  let recordedRun: RunRecord;
  const pending = pendingRun({ workload_id: "billing", client_id: "web", started_at: new Date(), seed: 0, targets: {}, gpu_hourly_cost: null, job: null });
  const hostile = finishedRun();
  let iclDatasetText = "";

  beforeAll(async () => {
    const started = await FlywheelFixture.start();
    try {
      started.nemo.evaluationBehaviour.set(smallModel.model, { functionNameAccuracy: 0.97, functionNameAndArgsAccuracy: 0.86 });
      started.nemo.evaluationBehaviour.set(largerModel.model, { functionNameAccuracy: 0.99, functionNameAndArgsAccuracy: 0.96 });
      const ran = await started.run(started.config(toolWorkload));
      expect(ran.code).toBe(ExitCode.ok);
      iclDatasetText = [...started.nemo.repos]
        .filter(([name]) => name.includes("-icl-"))
        .flatMap(([, files]) => [...files.values()].map((content) => content.toString("utf8")))
        .join("\n");
    } finally {
      await started.stop();
    }
    store = new RunStore(new JsonFileRecordStore(started.stateDirectory));
    [recordedRun] = await store.listRuns();
    await store.insertRun(pending);
    await store.insertRun(hostile);
    await store.insertIclExamplePool(iclExamplePool(hostile.id, await hostileIclRecords(), 32));
    api = await ApiServing.start(["--state-dir", started.stateDirectory, ...tokenFileArgs()]);
  }, 120_000);

  afterAll(async () => {
    expect(await api.stop()).toBe(ExitCode.ok);
    await store.close();
  });

  it("serves the distinct examples a recorded run's ICL dataset showed, most used first, with its selection and settings", async () => {
    const answer = await api.call("GET", path(recordedRun.id), { token: readToken });
    expect(answer.status).toBe(200);
    const served = answer.body as ServedExamples;
    expect(served).toMatchObject({ job_id: recordedRun.id, status: "completed", icl: { selection: "uniform", max_examples_per_record: 3, omitted: { over_count: 0, over_bytes: 0 } } });
    expect(served.message).toBeUndefined();
    expect(served.examples.length).toBeGreaterThan(0);
    expect(served.examples.length).toBe(served.icl?.distinct_examples);
    expect(served.examples.map((e) => e.rank)).toEqual(served.examples.map((_, i) => i + 1));
    const uses = served.examples.map((e) => e.uses);
    expect(uses).toEqual([...uses].sort((a, b) => b - a));
    // Each showing is counted once: the uses add up to the examples the evaluation records got.
    const shown = served.icl!.examples_per_record.reduce((sum, records, examples) => sum + records * examples, 0);
    expect(uses.reduce((a, b) => a + b, 0)).toBe(shown);
    // The examples are the ones the ICL dataset put in its system messages.
    expect(iclDatasetText).toContain(JSON.stringify(served.icl!.instruction).slice(1, -1));
    for (const example of served.examples) {
      const question = example.request.messages.filter((m) => m.role === "user").at(-1)?.content;
      expect(typeof question).toBe("string");
      expect(iclDatasetText).toContain(JSON.stringify(`user: ${String(question)}`).slice(1, -1));
      expect(example.response).toHaveProperty("choices");
    }
  });

  it("answers a run that has no examples (yet) with an empty list and why, an unknown run with 404 and an id that is none with 400", async () => {
    const queued = (await api.call("GET", path(pending.id), { token: readToken })).body as ServedExamples;
    expect(queued).toEqual({ job_id: pending.id, status: "queued", icl: null, examples: [], message: expect.stringContaining("has not recorded its in-context examples yet") });
    expect(await api.call("GET", path(newRecordId()), { token: readToken })).toMatchObject({ status: 404, body: { detail: expect.stringContaining("not found") } });
    expect((await api.call("GET", path("not-an-id"), { token: readToken })).status).toBe(400);
  });

  it("is a read route: 401 without a token, 403 for a token that is not the service's, served to the read and the operator token", async () => {
    expect(await api.call("GET", path(recordedRun.id))).toMatchObject({ status: 401, body: { detail: "Not authenticated" } });
    expect((await api.call("GET", path(recordedRun.id), { token: "someone-else" })).status).toBe(403);
    expect((await api.call("GET", path(recordedRun.id), { token: operatorToken })).status).toBe(200);
  });

  it("keeps a run's hostile, huge examples within the bounds: at most 64, none over 64 KiB, the rest counted", async () => {
    const answer = await api.call("GET", path(hostile.id), { token: readToken });
    expect(answer.status).toBe(200);
    const served = answer.body as ServedExamples;
    expect(served.icl).toMatchObject({ selection: "semantic", distinct_examples: 70, omitted: { over_bytes: 5, over_count: 1 } });
    expect(served.examples).toHaveLength(iclExamplePoolBounds.maxExamples);
    for (const example of served.examples) {
      expect(Buffer.byteLength(JSON.stringify({ request: example.request, response: example.response }))).toBeLessThanOrEqual(iclExamplePoolBounds.maxExampleBytes);
    }
    expect(JSON.stringify(served)).not.toContain("</script>");
    const withSchema = served.examples.find((e) => JSON.stringify(e.request).includes("$defs"));
    expect(withSchema?.request).toMatchObject({ tools: [{ function: { parameters: { $ref: "#/$defs/order" } } }] });
    expect(Buffer.byteLength(JSON.stringify(served))).toBeLessThan(iclExamplePoolBounds.maxExamples * iclExamplePoolBounds.maxExampleBytes);
  });

  it("says why a run kept none when every example it showed is over the byte bound", async () => {
    const allHuge = finishedRun();
    const hostileRecords = await hostileIclRecords();
    await store.insertRun(allHuge);
    await store.insertIclExamplePool(iclExamplePool(allHuge.id, { ...hostileRecords, records: hostileRecords.records.map((r) => ({ ...r, examples: r.examples.slice(0, 5) })) }, 32));
    const served = (await api.call("GET", path(allHuge.id), { token: readToken })).body as ServedExamples;
    expect(served).toMatchObject({ icl: { distinct_examples: 5, omitted: { over_bytes: 5, over_count: 0 } }, examples: [], message: expect.stringContaining(`bound of ${iclExamplePoolBounds.maxExampleBytes} bytes`) });
  });

  it("deletes a run's examples with the run", async () => {
    expect((await api.call("DELETE", `/api/jobs/${hostile.id}`, { token: operatorToken })).status).toBe(200);
    expect(await store.iclExamplePool(hostile.id)).toBeUndefined();
    expect((await api.call("GET", path(hostile.id), { token: readToken })).status).toBe(404);
  });
});
