import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { flywheelApiPermissions } from "../src/api/flywheel-api-service";
import { ExitCode } from "../src/errors";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { newRecordId } from "../src/store/ids";
import { pendingRun, type RunRecord } from "../src/store/records";
import { RunStore } from "../src/store/run-store";
import { ApiServing, operatorToken, readToken, tokenFileArgs } from "./support/api-serving";
import { BlueprintAnswers } from "./support/blueprint-contract";
import { flywheelCronJob } from "./support/flywheel-cronjob";
import { temporaryDirectory } from "./support/logs";
import { SchedulesStandIn } from "./support/schedules-stand-in";
import { ServedOpenApi } from "./support/served-openapi";

const namespace = "flywheel";

const blueprintAnswers = new BlueprintAnswers();

describe("flywheel serve with a cluster: on-demand runs, cancel, delete, paging, workloads", () => {
  const cluster = new SchedulesStandIn(namespace);
  const stateDirectory = temporaryDirectory();
  const store = new RunStore(new JsonFileRecordStore(stateDirectory));
  let api: ApiServing;

  beforeAll(async () => {
    await cluster.start();
    cluster.cronJobs.push(flywheelCronJob("support-agent", "web", namespace, { timeZone: "Europe/Berlin" }), flywheelCronJob("billing", "web", namespace, { suspend: true }));
    // A CronJob of something else in the namespace: not a workload.
    cluster.cronJobs.push({ ...flywheelCronJob("other", "x", namespace), metadata: { name: "backup", uid: "u", labels: {} } });
    const kubeconfig = join(temporaryDirectory(), "kubeconfig");
    writeFileSync(kubeconfig, cluster.kubeconfig());
    api = await ApiServing.start(["--state-dir", stateDirectory, ...tokenFileArgs()], { KUBECONFIG: kubeconfig });
  });

  afterAll(async () => {
    expect(await api.stop()).toBe(ExitCode.ok);
    await cluster.stop();
    await store.close();
  });

  const post = (json: unknown, token = operatorToken) => api.call("POST", "/api/jobs", { token, json });

  it("starts a run: records it queued with its overrides and creates the Job from the CronJob with --run-id", async () => {
    const answer = await post({ workload_id: "support-agent", client_id: "web", data_split_config: { eval_size: 5, random_seed: 9, limit: 300 } });
    expect(answer.status).toBe(200);
    blueprintAnswers.record("JobResponse", answer.body);
    const { id } = answer.body as { id: string };
    expect(answer.body).toEqual({ id, status: "queued", message: "NIM workflow started" });

    const run = (await store.getRun(id))!;
    expect(run).toMatchObject({ status: "pending", workload_id: "support-agent", client_id: "web", data_split_overrides: { evalSize: 5, seed: 9, limit: 300 } });
    const [job] = cluster.createdJobs;
    expect(job.metadata?.name).toBe(`flywheel-support-agent-web-${id}`);
    expect(job.metadata?.annotations?.["cronjob.kubernetes.io/instantiate"]).toBe("manual");
    expect(job.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: "CronJob", name: "flywheel-support-agent-web", uid: "uid-of-flywheel-support-agent-web", controller: true })]);
    expect(job.spec?.template.spec?.containers[0].args?.slice(-2)).toEqual(["--run-id", id]);

    const detail = await api.call("GET", `/api/jobs/${id}`, { token: readToken });
    blueprintAnswers.record("JobDetailResponse", detail.body);
    expect(detail.body).toMatchObject({ id, status: "queued" });
    expect(detail.body).not.toHaveProperty("flywheel_seed");
  });

  it("refuses a second run of a pair while one is queued (409), and a pair no CronJob runs (404)", async () => {
    expect(await post({ workload_id: "support-agent", client_id: "web" })).toMatchObject({ status: 409, body: { detail: expect.stringContaining("queued") } });
    expect(await post({ workload_id: "support-agent", client_id: "mobile" })).toMatchObject({ status: 404, body: { detail: expect.stringContaining('"mobile"') } });
    expect(cluster.createdJobs).toHaveLength(1);
  });

  it("lets only the operator token start, cancel and delete (403 for the read token, 401 without one)", async () => {
    expect(await post({ workload_id: "billing", client_id: "web" }, readToken)).toEqual(expect.objectContaining({ status: 403, body: { detail: "Forbidden" } }));
    expect((await api.call("POST", `/api/jobs/${newRecordId()}/cancel`, { token: readToken })).status).toBe(403);
    expect((await api.call("DELETE", `/api/jobs/${newRecordId()}`, { token: readToken })).status).toBe(403);
    expect((await api.call("POST", "/api/jobs", { json: {} })).status).toBe(401);
  });

  it("answers bad bodies with 400, 413 and 422 naming the field", async () => {
    expect(await api.call("POST", "/api/jobs", { token: operatorToken, body: "{not json" })).toMatchObject({ status: 400, body: { detail: expect.stringContaining("Malformed JSON") } });
    expect((await api.call("POST", "/api/jobs", { token: operatorToken, body: JSON.stringify({ workload_id: "x".repeat(70_000), client_id: "web" }) })).status).toBe(413);

    const unsupported = await post({ workload_id: "billing", client_id: "web", data_split_config: { parse_function_arguments: false } });
    expect(unsupported.status).toBe(422);
    blueprintAnswers.record("HTTPValidationError", unsupported.body);
    expect(unsupported.body).toEqual({ detail: [{ loc: ["body", "data_split_config", "parse_function_arguments"], msg: expect.stringContaining("not supported"), type: "not_supported" }] });

    const illTyped = await post({ workload_id: 7, client_id: "web", extra: true, data_split_config: { eval_size: "five", val_ratio: 0.9 } });
    expect(illTyped.status).toBe(422);
    blueprintAnswers.record("HTTPValidationError", illTyped.body);
    const locations = (illTyped.body as { detail: { loc: string[] }[] }).detail.map((issue) => issue.loc.join("."));
    expect(locations.sort()).toEqual(["body.data_split_config.eval_size", "body.data_split_config.val_ratio", "body.extra", "body.workload_id"]);

    expect(await post({ client_id: "web" })).toMatchObject({ status: 422, body: { detail: [{ loc: ["body", "workload_id"], type: "missing" }] } });
    expect(await post([1, 2])).toMatchObject({ status: 422, body: { detail: [{ loc: ["body"] }] } });
    // None of these is the service's fault: nothing is logged as a warning.
    expect(api.stderr()).toMatch(/info .*POST \/api\/jobs 422/);
    expect(api.stderr()).not.toMatch(/warn .*POST \/api\/jobs 4\d\d/);
  });

  it("cancels a queued run (then 400 for a finished one), and answers 400 for an invalid id and 404 for an unknown one", async () => {
    const [queued] = await store.listRuns({ statuses: ["pending"] });
    const cancelled = await api.call("POST", `/api/jobs/${queued.id}/cancel`, { token: operatorToken });
    expect(cancelled.status).toBe(200);
    blueprintAnswers.record("JobCancelResponse", cancelled.body);
    expect((await store.getRun(queued.id))?.status).toBe("cancelled");
    expect(await api.call("POST", `/api/jobs/${queued.id}/cancel`, { token: operatorToken })).toMatchObject({ status: 400, body: { detail: expect.stringContaining("already finished") } });
    expect((await api.call("POST", "/api/jobs/not-an-id/cancel", { token: operatorToken })).status).toBe(400);
    expect((await api.call("POST", `/api/jobs/${newRecordId()}/cancel`, { token: operatorToken })).status).toBe(404);
  });

  it("deletes a finished run's records (400 while it is unfinished, 503 when it published datasets and NeMo is not configured)", async () => {
    const now = new Date();
    const running: RunRecord = { ...pendingRun({ workload_id: "billing", client_id: "web", started_at: now, seed: 1, targets: {}, gpu_hourly_cost: null, job: null }), status: "running" };
    await store.insertRun(running);
    expect(await api.call("DELETE", `/api/jobs/${running.id}`, { token: operatorToken })).toMatchObject({ status: 400, body: { detail: expect.stringContaining("has not finished") } });
    await store.updateRun(running.id, { status: "completed", finished_at: now, datasets: [{ kind: "eval", name: "flywheel-eval-x", num_records: 3, nmp_uri: "hf://datasets/dfwbp/flywheel-eval-x" }] });
    expect(await api.call("DELETE", `/api/jobs/${running.id}`, { token: operatorToken })).toMatchObject({ status: 503, body: { detail: expect.stringContaining("no NeMo URLs") } });
    expect(api.stderr()).toContain("NEMO_BASE_URL");

    await store.updateRun(running.id, { datasets: [] });
    const deleted = await api.call("DELETE", `/api/jobs/${running.id}`, { token: operatorToken });
    expect(deleted.status).toBe(200);
    blueprintAnswers.record("JobDeleteResponse", deleted.body);
    expect(await store.getRun(running.id)).toBeUndefined();
    expect((await api.call("DELETE", `/api/jobs/${running.id}`, { token: operatorToken })).status).toBe(404);
  });

  it("closes a pending run whose Job never adopted it before starting the pair again", async () => {
    const stale = pendingRun({ workload_id: "billing", client_id: "web", started_at: new Date(Date.now() - 16 * 60_000), seed: 0, targets: {}, gpu_hourly_cost: null, job: null });
    await store.insertRun(stale);
    const started = await post({ workload_id: "billing", client_id: "web" });
    expect(started.status).toBe(200);
    expect(await store.getRun(stale.id)).toMatchObject({ status: "failed", error: expect.stringContaining("did not start the run within 15 minutes") });
  });

  it("closes the pending record as failed when the Job cannot be created, and answers 502 without the reason", async () => {
    const [active] = await store.listRuns({ workloadId: "billing", clientId: "web", statuses: ["pending"] });
    await store.requestCancel(active.id);
    await store.updateRun(active.id, { finished_at: new Date() });
    cluster.http.inject({ method: "POST", path: /\/jobs$/, times: 1, status: 403 });
    const refused = await post({ workload_id: "billing", client_id: "web" });
    expect(refused).toMatchObject({ status: 502, body: { detail: "the Kubernetes API refused to create the run's Job" } });
    expect(JSON.stringify(refused.body)).not.toContain("127.0.0.1");
    const [failed] = await store.listRuns({ workloadId: "billing", clientId: "web", limit: 1 });
    expect(failed).toMatchObject({ status: "failed", error: expect.stringContaining("HTTP 403"), finished_at: expect.any(Date) });
    expect(api.stderr()).toMatch(/POST \/api\/jobs 502 .*HTTP 403/);
  });

  it("pages the list with filters and an opaque cursor, 400 for a cursor it did not issue, 422 for a bad parameter", async () => {
    const first = await api.call("GET", "/api/jobs?limit=2", { token: readToken });
    blueprintAnswers.record("JobsListResponse", first.body);
    const { jobs, next_cursor } = first.body as { jobs: { id: string }[]; next_cursor?: string };
    expect(jobs).toHaveLength(2);
    expect(typeof next_cursor).toBe("string");
    const rest = (await api.call("GET", `/api/jobs?limit=1000&cursor=${next_cursor}`, { token: readToken })).body as { jobs: { id: string }[]; next_cursor?: string };
    const all = (await api.call("GET", "/api/jobs", { token: readToken })).body as { jobs: { id: string }[]; next_cursor?: string };
    expect([...jobs, ...rest.jobs].map((j) => j.id)).toEqual(all.jobs.map((j) => j.id));
    expect(all.next_cursor).toBeUndefined();

    const failed = (await api.call("GET", "/api/jobs?status=failed&workload_id=billing&client_id=web", { token: readToken })).body as { jobs: { status: string; workload_id: string }[] };
    expect(failed.jobs.length).toBeGreaterThan(0);
    expect(failed.jobs.every((j) => j.status === "failed" && j.workload_id === "billing")).toBe(true);
    const queued = (await api.call("GET", "/api/jobs?status=queued", { token: readToken })).body as { jobs: { status: string }[] };
    expect(queued.jobs.every((j) => j.status === "queued")).toBe(true);

    expect(await api.call("GET", "/api/jobs?cursor=bm90LWEtY3Vyc29y", { token: readToken })).toMatchObject({ status: 400 });
    for (const [query, field] of [["limit=0", "limit"], ["limit=1001", "limit"], ["status=pending", "status"], ["workload=x", "workload"], ["limit=1&limit=2", "limit"]]) {
      expect(await api.call("GET", `/api/jobs?${query}`, { token: readToken })).toMatchObject({ status: 422, body: { detail: [{ loc: ["query", field] }] } });
    }
  });

  it("lists the configured workloads with their schedule, next scheduled time and last run", async () => {
    const answer = await api.call("GET", "/api/workloads", { token: readToken });
    expect(answer.status).toBe(200);
    const { workloads } = answer.body as { workloads: Record<string, unknown>[] };
    expect(workloads.map((w) => `${String(w.workload_id)}/${String(w.client_id)}`)).toEqual(["billing/web", "support-agent/web"]);
    const [billing, support] = workloads;
    expect(billing).toMatchObject({ cron_job: "flywheel-billing-web", schedule: "0 3 * * *", time_zone: null, suspended: true, next_run_at: null, last_run: { status: "failed" } });
    expect(support).toMatchObject({ time_zone: "Europe/Berlin", suspended: false, last_run: { status: "cancelled" } });
    // 03:00 in Berlin is 01:00 or 02:00 UTC, whatever the season.
    expect(String(support.next_run_at)).toMatch(/T0[12]:00:00\.000Z$/);
    expect(new Date(String(support.next_run_at)).getTime()).toBeGreaterThan(Date.now());
  });

  it("serves its OpenAPI document, with bearer security and this project's endpoints", async () => {
    const answer = await api.call("GET", "/api/openapi.json", { token: readToken });
    const document = answer.body as { openapi: string; components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> }; paths: Record<string, unknown> };
    expect(document.openapi).toBe("3.1.0");
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(Object.keys(document.paths).sort()).toEqual(["/api/jobs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/cancel", "/api/jobs/{job_id}/icl-examples", "/api/openapi.json", "/api/workloads", "/healthz", "/metrics", "/readyz"]);
    for (const name of ["JobRequest", "JobResponse", "JobsListResponse", "JobDetailResponse", "JobCancelResponse", "JobDeleteResponse", "HTTPValidationError"]) {
      expect(document.components.schemas).toHaveProperty(name);
    }
    expect((await api.call("GET", "/api/openapi.json")).status).toBe(401);
    // Strict enough that the suite's checks can fail: an undocumented field or status is refused.
    const served = new ServedOpenApi(answer.body as Record<string, unknown>);
    expect(served.problem("GET", "/api/jobs", 200, { jobs: [], surprise: 1 })).toContain("must NOT have additional properties");
    expect(served.problem("GET", "/api/workloads", 409, { detail: "x" })).toContain("does not document status 409");
    expect(served.problem("GET", "/api/jobs", 200, { jobs: [] })).toBeUndefined();
  });

  it("exports request metrics by route template, method and status, without a token", async () => {
    await api.call("GET", `/api/jobs/${newRecordId()}`, { token: readToken });
    const answer = await api.call("GET", "/metrics");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toContain("text/plain");
    const text = String(answer.body);
    expect(text).toMatch(/flywheel_api_requests_total\{route="\/api\/jobs\/\{job_id\}",method="GET",status="404"\} [1-9]/);
    expect(text).toMatch(/flywheel_api_requests_total\{route="\/api\/jobs",method="POST",status="422"\} [1-9]/);
    expect(text).toContain("flywheel_api_request_duration_seconds_bucket");
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).not.toMatch(/route="\/api\/jobs\/[0-9a-f]{24}/);
  });

  it("asked the cluster only for what flywheelApiPermissions grants: listing CronJobs and creating Jobs", () => {
    const calls = new Set(cluster.http.requests.map((request) => `${request.method} ${request.path}`));
    expect([...calls].sort()).toEqual([`GET /apis/batch/v1/namespaces/${namespace}/cronjobs`, `POST /apis/batch/v1/namespaces/${namespace}/jobs`]);
    expect(flywheelApiPermissions.map((rule) => `${rule.resource}:${rule.verbs.join()}`)).toEqual(["cronjobs:list", "cronjobs/finalizers:update", "jobs:create"]);
    expect(cluster.http.requests.find((request) => request.method === "GET")?.query.get("labelSelector")).toBe("app.kubernetes.io/component=flywheel-schedule");
  });
});

blueprintAnswers.describeCheck("flywheel serve with a cluster, against the blueprint's schemas");
