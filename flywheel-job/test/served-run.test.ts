import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "../src/cli/main";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { RunStore } from "../src/store/run-store";
import { BlueprintAnswers } from "./support/blueprint-contract";
import { eventually } from "./support/eventually";
import { logInToReviewUi } from "./support/ui-login";
import { FlywheelFixture, largerModel, smallModel, toolWorkload } from "./support/flywheel-fixture";
import { temporaryDirectory } from "./support/logs";

/*
 * The first "done when" of the API's issue and of the review UI's: a run recorded by `flywheel run
 * --state-dir` is served by `flywheel serve --state-dir` in the blueprint's shapes, and reviewed in
 * its UI, with nothing else running — the stand-ins of NeMo and Kubernetes are stopped before the
 * API starts, and it has no cluster to talk to.
 */

const token = "served-run-test-read-token";
const blueprintAnswers = new BlueprintAnswers();

interface Served {
  readonly runId: string;
  readonly list: unknown;
  readonly detail: unknown;
  /** The review UI's pages of the run, by path, as HTML. */
  readonly pages: Readonly<Record<"runs" | "run" | "samples" | "workload", string>>;
  /** Per-sample results the run stored. */
  readonly samples: number;
}

async function runThenServe(): Promise<Served> {
  const fixture = await FlywheelFixture.start();
  try {
    fixture.nemo.evaluationBehaviour.set(smallModel.model, { functionNameAccuracy: 0.97, functionNameAndArgsAccuracy: 0.86 });
    fixture.nemo.evaluationBehaviour.set(largerModel.model, { functionNameAccuracy: 0.99, functionNameAndArgsAccuracy: 0.96 });
    const ran = await fixture.run(fixture.config(toolWorkload));
    expect(ran.code).toBe(0);
  } finally {
    await fixture.stop();
  }
  const [run] = await new RunStore(new JsonFileRecordStore(fixture.stateDirectory)).listRuns();

  const tokenFile = join(temporaryDirectory(), "read-token");
  writeFileSync(tokenFile, `${token}\n`);
  let stderr = "";
  const controller = new AbortController();
  const exited = main(["serve", "--state-dir", fixture.stateDirectory, "--port", "0", "--read-token-file", tokenFile], {
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text) },
    // Nothing else: no store URL, no cluster, and a home without a kubeconfig.
    env: { HOME: temporaryDirectory() },
    cwd: temporaryDirectory(),
    shutdown: { signal: controller.signal, handleGracefully: () => undefined },
  });
  const listening = (): string | undefined => /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
  try {
    await Promise.race([eventually(() => listening() !== undefined, "the API to listen"), exited.then((code) => Promise.reject(new Error(`serve exited with ${code}: ${stderr}`)))]);
    const url = (listening() ?? "").replace("localhost", "127.0.0.1");
    const get = async (path: string): Promise<unknown> => {
      const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      return response.json();
    };
    const cookie = await logInToReviewUi(url, token);
    const page = async (path: string): Promise<string> => {
      const response = await fetch(`${url}${path}`, { headers: { cookie } });
      expect(response.status).toBe(200);
      return response.text();
    };
    const pages = {
      runs: await page("/"),
      run: await page(`/runs/${run.id}`),
      samples: await page(`/runs/${run.id}/samples`),
      workload: await page(`/workloads/${toolWorkload.workloadId}/${toolWorkload.clientId}`),
    };
    const samples = (await new RunStore(new JsonFileRecordStore(fixture.stateDirectory)).evaluationSamples(run.id)).length;
    return { runId: run.id, list: await get("/api/jobs"), detail: await get(`/api/jobs/${run.id}`), pages, samples };
  } finally {
    controller.abort("SIGTERM");
    expect(await exited).toBe(0);
  }
}

let served: Served;

beforeAll(async () => {
  served = await runThenServe();
  blueprintAnswers.record("JobsListResponse", served.list);
  blueprintAnswers.record("JobDetailResponse", served.detail);
}, 60_000);

describe("a run recorded offline, served offline", () => {
  it("lists the run as the blueprint lists jobs", () => {
    expect(served.list).toMatchObject({ jobs: [{ id: served.runId, workload_id: toolWorkload.workloadId, client_id: toolWorkload.clientId, status: "completed", error: null }] });
  });

  it("details every candidate with its evaluations' scores and its fine-tune, as the run recorded them", () => {
    const detail = served.detail as { nims: { model_name: string; status: string; evaluations: { eval_type: string; scores: Record<string, number> }[]; customizations: unknown[] }[] };
    expect(detail).toMatchObject({ id: served.runId, status: "completed", num_records: 30, flywheel_seed: 7 });
    expect(detail.nims.map((nim) => [nim.model_name, nim.status])).toEqual([
      [smallModel.model, "completed"],
      [largerModel.model, "completed"],
    ]);
    const small = detail.nims[0];
    expect(small.evaluations.map((evaluation) => evaluation.eval_type).sort()).toEqual(["base-eval", "customized-eval", "icl-eval"]);
    expect(small.evaluations.find((evaluation) => evaluation.eval_type === "base-eval")?.scores).toMatchObject({ function_name_accuracy: 0.97, function_name_and_args_accuracy: 0.86 });
    expect(small.customizations).toHaveLength(1);
  });
});

describe("the same run, reviewed in the UI", () => {
  it("lists it among the runs, linked to its page", () => {
    expect(served.pages.runs).toContain(`href="/runs/${served.runId}"`);
  });

  it("shows its report with a chart per metric, and the candidates' lowest-scoring answers beside production's", () => {
    for (const model of [smallModel.model, largerModel.model]) {
      expect(served.pages.run).toContain(model);
    }
    expect(served.pages.run).toContain("<svg");
    expect(served.samples).toBeGreaterThan(0);
    expect(served.pages.samples).toContain("Production's logged response");
    expect(served.pages.samples.match(/<article class="sample"/g)?.length).toBe(served.samples);
  });

  it("shows the workload's scores over its runs", () => {
    expect(served.pages.workload).toContain("<svg");
  });
});

blueprintAnswers.describeCheck("a run recorded offline, served offline, against the blueprint's schemas");
