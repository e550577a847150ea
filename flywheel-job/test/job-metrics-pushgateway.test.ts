import { createServer, type Server, type Socket } from "node:net";
import { prometheusPushgateway, describeWithProgram } from "../../test/support/needs-program";
import { pushJobName, runStages } from "../src/metrics/job-metrics";
import { PushgatewaySink } from "../src/metrics/pushgateway";
import { largerModel, smallModel, toolWorkload } from "./support/flywheel-fixture";
import { metricsRun, metricsRunConfig } from "./support/metrics-run";
import { type PushedGroup, type PushgatewayServer, startPushgateway } from "./support/pushgateway";

const groupLabels = { job: pushJobName, workload: toolWorkload.workloadId, client: toolWorkload.clientId };

/** The pair's group, which a run of it must have pushed. */
function pairGroup(groups: readonly PushedGroup[]): PushedGroup {
  const found = groups.find((group) => Object.entries(groupLabels).every(([name, value]) => group.labels[name] === value));
  if (found === undefined) {
    throw new Error(`the Pushgateway holds no group ${JSON.stringify(groupLabels)}: ${JSON.stringify(groups.map((group) => group.labels))}`);
  }
  return found;
}

/** The value of the group's series of `name` whose own labels include `labels`. */
function valueOf(group: PushedGroup, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const series = group.metrics.get(name)?.find((one) => Object.entries(labels).every(([label, value]) => one.labels[label] === value));
  return series === undefined ? undefined : Number(series.value);
}

/** The candidates the group has any series of. */
function candidatesOf(group: PushedGroup): string[] {
  return [...new Set([...group.metrics.values()].flatMap((series) => series.flatMap((one) => (one.labels.candidate === undefined ? [] : [one.labels.candidate]))))].sort();
}

describeWithProgram(prometheusPushgateway, "the job's metrics on a real Pushgateway", () => {
  let gateway: PushgatewayServer;
  const at = metricsRun();

  beforeAll(async () => {
    gateway = await startPushgateway();
  });

  afterAll(async () => {
    await gateway.stop();
  });

  it("are read back from its API under the pair's group, with the run's status, scores and GPU-seconds and no run id", async () => {
    at.platform.evaluationBehaviour.set(largerModel.model, { results: { functionNameAccuracy: 0.99, functionNameAndArgsAccuracy: 0.96 } });
    const outcome = await at.run(metricsRunConfig(), new PushgatewaySink(gateway.url));

    expect(outcome).toMatchObject({ status: "completed", exitCode: 0 });
    const group = pairGroup(await gateway.groups());
    expect(group.labels).toEqual(groupLabels);
    expect(valueOf(group, "flywheel_run_status", { status: "completed" })).toBe(1);
    expect(valueOf(group, "flywheel_run_status", { status: "running" })).toBe(0);
    expect(runStages.map((stage) => valueOf(group, "flywheel_stage_duration_seconds", { stage }))).toEqual(runStages.map(() => expect.any(Number)));
    expect(valueOf(group, "flywheel_curation_records", { stage: "sampled" })).toBe(30);
    expect(valueOf(group, "flywheel_evaluation_score_ratio", { candidate: largerModel.model, eval_type: "icl-eval", metric: "function_name_and_args_accuracy" })).toBe(0.96);
    expect(candidatesOf(group)).toEqual([largerModel.model, smallModel.model].sort());
    const { nims } = (await at.store.details(outcome.runId)) ?? { nims: [] };
    for (const nim of nims) {
      expect(valueOf(group, "flywheel_candidate_gpu_seconds", { candidate: nim.model_name })).toBeCloseTo(nim.gpus * (nim.runtime_seconds ?? Number.NaN), 6);
    }
    // Every series carries the group's labels and its own, and none names or holds the run.
    const labels = [...group.metrics.values()].flatMap((series) => series.flatMap((one) => Object.entries(one.labels)));
    expect(labels.filter(([name, value]) => name.includes("run") || value.includes(outcome.runId))).toEqual([]);
    expect(labels.filter(([name]) => name === "workload").every(([, value]) => value === toolWorkload.workloadId)).toBe(true);
  });

  it("of the pair's next run hold its candidates only: one it did not evaluate keeps no series", async () => {
    const outcome = await at.run(metricsRunConfig({ candidates: [{ ...smallModel }] }), new PushgatewaySink(gateway.url));

    expect(outcome.status).toBe("completed");
    const group = pairGroup(await gateway.groups());
    expect(candidatesOf(group)).toEqual([smallModel.model]);
    expect(valueOf(group, "flywheel_evaluation_score_ratio", { candidate: largerModel.model })).toBeUndefined();
    const { run } = (await at.store.details(outcome.runId)) ?? {};
    // The start is this run's: within a second of its record's (an adopted run's record is older).
    expect(Math.abs((valueOf(group, "flywheel_run_start_timestamp_seconds") ?? 0) - (run?.started_at.getTime() ?? 0) / 1000)).toBeLessThan(1);
  });

  it("of a failed run replace the whole group: no score, record count or GPU-seconds of the run before is left", async () => {
    // 60 records in the logs, 100 needed: curation fails the run, so its pushes name no candidate metric at all.
    const outcome = await at.run(metricsRunConfig({ data: { limit: 50, evalSize: 6, minTotalRecords: 100, seed: 7 } }), new PushgatewaySink(gateway.url));

    expect(outcome.status).toBe("failed");
    const group = pairGroup(await gateway.groups());
    expect(valueOf(group, "flywheel_run_status", { status: "failed" })).toBe(1);
    expect([...group.metrics.keys()].filter((name) => name.startsWith("flywheel_")).sort()).toEqual([
      "flywheel_evaluation_target_ratio",
      "flywheel_run_duration_seconds",
      "flywheel_run_start_timestamp_seconds",
      "flywheel_run_status",
      "flywheel_stage_duration_seconds",
    ]);
  });

  it("go to a group a workload id holding a slash names", async () => {
    await new PushgatewaySink(gateway.url).push({ workload: "team/support agent", client: "web" }, [
      { name: "flywheel_run_duration_seconds", help: "seconds", labelNames: [], samples: [{ labels: {}, value: 12 }] },
    ]);

    const group = (await gateway.groups()).find((one) => one.labels.workload === "team/support agent");
    expect(group?.labels).toEqual({ job: pushJobName, workload: "team/support agent", client: "web" });
    expect(group === undefined ? undefined : valueOf(group, "flywheel_run_duration_seconds")).toBe(12);
  });

  it("pushed to a stopped Pushgateway are warnings, and the run's exit code is what it would be", async () => {
    await gateway.stop();
    const before = at.log.length;
    const outcome = await at.run(metricsRunConfig({ candidates: [{ ...largerModel }] }), new PushgatewaySink(gateway.url));

    expect(outcome).toMatchObject({ status: "completed", exitCode: 0 });
    const warnings = at.log.slice(before).filter((line) => line.includes("could not push the run's metrics"));
    expect(warnings).toHaveLength(runStages.length + 1);
    expect(warnings.every((line) => line.includes(" warn ") && line.includes(`the Pushgateway at ${gateway.url}`))).toBe(true);
  });
});

describe("a push to a Pushgateway that never answers", () => {
  let server: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => server.close(resolve));
  });

  it("gives up after its bound, saying so", async () => {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const sink = new PushgatewaySink(`http://user:secret@127.0.0.1:${port}/`, 200);

    expect(sink.description).toBe(`the Pushgateway at http://127.0.0.1:${port}`);
    await expect(sink.push({ workload: toolWorkload.workloadId, client: toolWorkload.clientId }, [])).rejects.toThrow("no answer within 0.2 s");
  });
});
