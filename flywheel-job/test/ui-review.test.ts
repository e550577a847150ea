import { buildRunReport } from "../src/report/run-report";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { newRecordId } from "../src/store/ids";
import type { EvaluationRecord, EvaluationSampleRecord, NimRecord, RunRecord } from "../src/store/records";
import { RunStore } from "../src/store/run-store";
import { contentSecurityPolicy } from "../src/ui/ui-answer";
import { ApiServing, operatorToken, readToken, tokenFileArgs } from "./support/api-serving";
import { temporaryDirectory } from "./support/logs";
import { logInToReviewUi } from "./support/ui-login";

/** Text a hostile log record or model answer may hold. */
const hostile = {
  script: `<script>alert("x")</script>`,
  link: `<a href="javascript:alert(1)">click</a>`,
  bidi: "price \u202Eevil\u202C and \u2066isolated\u2069",
};

const started = new Date("2026-11-30T08:00:00Z");

function runRecord(fields: Partial<RunRecord> & Pick<RunRecord, "workload_id">): RunRecord {
  return {
    id: newRecordId(started),
    client_id: "web",
    status: "completed",
    started_at: started,
    finished_at: new Date(started.getTime() + 3_725_000),
    num_records: 1200,
    datasets: [{ kind: "eval", name: "flywheel-eval-trip", num_records: 100, nmp_uri: "hf://datasets/dfwbp/flywheel-eval-trip" }],
    error: null,
    seed: 7,
    drop_counts: { malformed_json: 3, [hostile.script]: 1 },
    report: null,
    workload_type: "tool_calling",
    targets: { function_name_accuracy: 0.8 },
    gpu_hourly_cost: 2.5,
    job: null,
    data_split_overrides: null,
    ...fields,
  };
}

function nimRecord(runId: string, model: string, gpus: number): NimRecord {
  return { id: newRecordId(), flywheel_run_id: runId, model_name: model, status: "completed", deployment_status: "deleted", started_at: started, finished_at: started, runtime_seconds: 600, error: null, gpus, nim_service: null };
}

function evaluationRecord(nimId: string, scores: EvaluationRecord["scores"], fields: Partial<EvaluationRecord> = {}): EvaluationRecord {
  return {
    id: newRecordId(),
    nim_id: nimId,
    eval_type: "base-eval",
    scores,
    progress: 100,
    job_id: "eval-1",
    nmp_uri: null,
    started_at: started,
    finished_at: started,
    runtime_seconds: 300,
    error: null,
    status: "completed",
    judge_ratings: null,
    job_stop: null,
    ...fields,
  };
}

function sampleRecord(runId: string, evaluationId: string, rank: number, fields: Partial<EvaluationSampleRecord> = {}): EvaluationSampleRecord {
  return {
    id: newRecordId(),
    flywheel_run_id: runId,
    evaluation_id: evaluationId,
    rank,
    metric: "function_name_accuracy",
    score: 0,
    scores: { function_name_accuracy: 0 },
    conversation: [
      { role: "system", content: "You are a travel agent." },
      { role: "user", content: `Book ${hostile.script} ${hostile.link} ${hostile.bidi}` },
    ],
    reference: `{"name":"search_flights"} ${hostile.link}`,
    response: `I refuse ${hostile.script}`,
    truncated: [],
    ...fields,
  };
}

/** The MLflow run of the completed run's first evaluation, a quote and a tag after it; the second's is a javascript: URL. */
const mlflowRun = "https://mlflow.example.com/#/experiments/1/runs/0a1b";
const hostileMlflowUri = `${mlflowRun}"><script>alert(1)</script>`;

/** A completed tool-calling run with two candidates, a stored report, and samples of one evaluation. */
async function seedCompletedRun(store: RunStore): Promise<RunRecord> {
  const base = runRecord({ workload_id: "trip-planner" });
  const small = nimRecord(base.id, `small-${hostile.script}`, 1);
  const large = nimRecord(base.id, "large-model", 4);
  const evaluations = [evaluationRecord(small.id, { function_name_accuracy: 0.9, function_name_and_args_accuracy: 0.7 }, { samples: { stored: 2, total: 40, problem: null, bounds: { per_evaluation: 20, max_text_bytes: 8192, max_messages: 16 } }, mlflow_uri: hostileMlflowUri }), evaluationRecord(large.id, { function_name_accuracy: 0.95 }, { samples: { stored: 0, total: null, problem: "the results ZIP has no per-sample file" }, mlflow_uri: "javascript:alert(1)" })];
  const run = { ...base, report: buildRunReport(base, [small, large], evaluations) };
  await store.insertRun(run);
  await store.insertNim(small);
  await store.insertNim(large);
  for (const evaluation of evaluations) {
    await store.insertEvaluation(evaluation);
  }
  await store.insertEvaluationSamples([sampleRecord(run.id, evaluations[0].id, 1, { truncated: ["response"] }), sampleRecord(run.id, evaluations[0].id, 2)]);
  return run;
}

/** A run as a crash or an older version may leave it: no report, an unknown status, parts without scores, fields missing. */
async function seedHalfWrittenRun(store: RunStore): Promise<RunRecord> {
  const run = runRecord({ workload_id: "half-written", status: "exploded" as RunRecord["status"], finished_at: null, num_records: null, datasets: [], drop_counts: null, workload_type: null });
  const { targets: _targets, ...withoutTargets } = run;
  await store.records.insert("flywheel_runs", withoutTargets as RunRecord);
  const nim = nimRecord(run.id, "lonely-model", 1);
  await store.insertNim({ ...nim, status: "running", runtime_seconds: null });
  const evaluation = evaluationRecord(nim.id, {}, { status: "running", progress: 40 });
  const { scores: _scores, ...withoutScores } = evaluation;
  await store.records.insert("evaluations", withoutScores as EvaluationRecord);
  return run;
}

/** A logged-in session's cookie (`name=value`), through the login form as a browser fills it in. */
function logIn(api: ApiServing, token: string): Promise<string> {
  return logInToReviewUi(api.url, token);
}

async function page(api: ApiServing, path: string, cookie: string): Promise<{ readonly status: number; readonly text: string; readonly headers: Headers }> {
  const answer = await fetch(`${api.url}${path}`, { headers: { cookie }, redirect: "manual" });
  return { status: answer.status, text: await answer.text(), headers: answer.headers };
}

/** The session's form token, as the page's forms carry it. */
function csrfOf(text: string): string {
  return /name="csrf" value="([^"]+)"/.exec(text)?.[1] ?? "";
}

function post(api: ApiServing, path: string, cookie: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${api.url}${path}`, { method: "POST", redirect: "manual", headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields) });
}

/** Every href of a page. */
function hrefs(text: string): string[] {
  return [...text.matchAll(/href="([^"]*)"/g)].map((match) => match[1]);
}

describe("the review UI of flywheel serve", () => {
  const stateDirectory = temporaryDirectory();
  const store = new RunStore(new JsonFileRecordStore(stateDirectory));
  let api: ApiServing;
  let completed: RunRecord;
  let halfWritten: RunRecord;
  let running: RunRecord;
  let reader: string;
  let operator: string;

  beforeAll(async () => {
    completed = await seedCompletedRun(store);
    halfWritten = await seedHalfWrittenRun(store);
    running = runRecord({ workload_id: "trip-planner", client_id: "mobile", status: "running", finished_at: null, started_at: new Date(started.getTime() + 60_000) });
    await store.insertRun(running);
    api = await ApiServing.start(["--state-dir", stateDirectory, ...tokenFileArgs()]);
    reader = await logIn(api, readToken);
    operator = await logIn(api, operatorToken);
  });

  afterAll(async () => {
    await api.stop();
    await store.close();
  });

  describe("login, sessions and CSRF", () => {
    it("sends a page request without a session to the login form, which carries the security headers", async () => {
      for (const path of ["/", `/runs/${completed.id}`, `/runs/${completed.id}/samples`, "/workloads/trip-planner/web"]) {
        const answer = await fetch(`${api.url}${path}`, { redirect: "manual" });
        expect([path, answer.status, answer.headers.get("location")]).toEqual([path, 303, "/login"]);
      }
      const login = await fetch(`${api.url}/login`);
      expect(login.status).toBe(200);
      expect(login.headers.get("content-security-policy")).toBe(contentSecurityPolicy);
      expect(contentSecurityPolicy).toContain("default-src 'none'");
      expect(contentSecurityPolicy).toContain("frame-ancestors 'none'");
      expect(login.headers.get("x-content-type-options")).toBe("nosniff");
      expect(login.headers.get("referrer-policy")).toBe("no-referrer");
      expect(login.headers.get("cache-control")).toBe("no-store");
      expect(await login.text()).toMatch(/<label for="login-token">/);
    });

    it("sets an HttpOnly, SameSite=Strict session cookie with an expiry, Secure behind TLS", async () => {
      const form = await fetch(`${api.url}/login`, { headers: { "x-forwarded-proto": "https" } });
      const loginCookie = form.headers.getSetCookie()[0];
      expect(loginCookie).toMatch(/; Secure$/);
      const nonce = /name="nonce" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
      const answer = await fetch(`${api.url}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: loginCookie.split(";")[0], "content-type": "application/x-www-form-urlencoded", "x-forwarded-proto": "https" },
        body: new URLSearchParams({ nonce, token: readToken }),
      });
      expect(answer.headers.get("location")).toBe("/");
      const cookie = answer.headers.getSetCookie()[0];
      expect(cookie).toMatch(/^flywheel_session=read\.\d+\.[A-Za-z0-9_-]+; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict; Secure$/);
      expect(reader).not.toContain(readToken);
    });

    it("refuses a wrong token and logs the refusal without the token", async () => {
      const form = await fetch(`${api.url}/login`);
      const nonce = /name="nonce" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
      const wrong = "not-a-token-of-ours-123";
      const answer = await post(api, "/login", form.headers.getSetCookie()[0].split(";")[0], { nonce, token: wrong });
      expect(answer.status).toBe(401);
      expect(answer.headers.getSetCookie().join()).not.toContain("flywheel_session");
      expect(api.stderr()).toMatch(/review UI: refused a login/);
      expect(api.stderr()).not.toContain(wrong);
    });

    it("refuses a login without the login form's cookie (login CSRF) or from another site", async () => {
      const form = await fetch(`${api.url}/login`);
      const cookie = form.headers.getSetCookie()[0].split(";")[0];
      const nonce = /name="nonce" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
      expect((await post(api, "/login", "", { nonce, token: readToken })).status).toBe(403);
      expect((await post(api, "/login", cookie, { nonce: "x".repeat(32), token: readToken })).status).toBe(403);
      expect((await post(api, "/login", cookie, { nonce, token: readToken }, { "sec-fetch-site": "cross-site" })).status).toBe(403);
      expect((await post(api, "/login", cookie, { nonce, token: readToken }, { origin: "https://evil.example" })).status).toBe(403);
    });

    it("bounds the form body", async () => {
      const answer = await post(api, "/login", "", { token: "x".repeat(20_000) });
      expect(answer.status).toBe(413);
    });

    it("never lets the cookie authorize /api", async () => {
      const answer = await fetch(`${api.url}/api/jobs`, { headers: { cookie: operator } });
      expect(answer.status).toBe(401);
      expect((await fetch(`${api.url}/api/jobs/${running.id}/cancel`, { method: "POST", headers: { cookie: operator } })).status).toBe(401);
    });

    it("refuses a forged or altered session cookie", async () => {
      const promoted = reader.replace("=read.", "=operator.");
      const later = reader.replace(/\.(\d+)\./, (_, expiry: string) => `.${Number(expiry) + 86_400}.`);
      for (const cookie of [promoted, later, "flywheel_session=operator.99999999999.AAAA"]) {
        expect((await page(api, "/", cookie)).status).toBe(303);
      }
    });

    it("cancels a run from an operator session with the form token, and refuses without it, cross-site, or from a read session", async () => {
      const target = runRecord({ workload_id: "cancel-me", status: "running", finished_at: null });
      await store.insertRun(target);
      const runPage = await page(api, `/runs/${target.id}`, operator);
      expect(runPage.text).toContain(`action="/runs/${target.id}/cancel"`);
      const csrf = csrfOf(runPage.text);
      expect((await post(api, `/runs/${target.id}/cancel`, operator, {})).status).toBe(403);
      expect((await post(api, `/runs/${target.id}/cancel`, operator, { csrf: csrfOf((await page(api, "/", reader)).text) })).status).toBe(403);
      expect((await post(api, `/runs/${target.id}/cancel`, operator, { csrf }, { "sec-fetch-site": "same-site" })).status).toBe(403);
      expect((await post(api, `/runs/${target.id}/cancel`, operator, { csrf }, { origin: "http://elsewhere.example" })).status).toBe(403);
      const readerPage = await page(api, `/runs/${target.id}`, reader);
      expect(readerPage.text).not.toContain(`action="/runs/${target.id}/cancel"`);
      expect((await post(api, `/runs/${target.id}/cancel`, reader, { csrf: csrfOf(readerPage.text) })).status).toBe(403);
      expect((await store.getRun(target.id))?.status).toBe("running");

      // Under Referrer-Policy: no-referrer, Chromium sends a same-origin form with Origin: null.
      const cancelled = await post(api, `/runs/${target.id}/cancel`, operator, { csrf }, { "sec-fetch-site": "same-origin", origin: "null" });
      expect([cancelled.status, cancelled.headers.get("location")]).toEqual([303, `/runs/${target.id}`]);
      expect((await store.getRun(target.id))?.status).toBe("cancelled");
    });

    it("logs out: the cookie is cleared", async () => {
      const session = await logIn(api, readToken);
      const answer = await post(api, "/logout", session, { csrf: csrfOf((await page(api, "/", session)).text) });
      expect(answer.headers.get("location")).toBe("/login");
      expect(answer.headers.getSetCookie()[0]).toMatch(/^flywheel_session=; Path=\/; Max-Age=0;/);
    });
  });

  describe("pages", () => {
    it("lists the runs with their recommendation, and filters them", async () => {
      const all = await page(api, "/", reader);
      expect(all.status).toBe(200);
      expect(all.text).toContain(`href="/runs/${completed.id}"`);
      expect(all.text).toContain(`href="/workloads/trip-planner/web"`);
      expect(all.text).toContain("small-&lt;script&gt;");
      const filtered = await page(api, "/?workload_id=trip-planner&status=running", reader);
      expect(filtered.text).toContain(running.id);
      expect(filtered.text).not.toContain(completed.id);
      const wrong = await page(api, "/?status=exploded", reader);
      expect(wrong.status).toBe(400);
      expect(wrong.text).toContain("There is no status");
    });

    it("shows a run: the report, a chart per metric with its table, datasets, drops, and no refresh once finished", async () => {
      const { status, text, headers } = await page(api, `/runs/${completed.id}`, reader);
      expect(status).toBe(200);
      expect(headers.get("content-security-policy")).toBe(contentSecurityPolicy);
      expect(text).toContain("<caption>Candidates × evaluation types</caption>");
      expect(text.match(/<svg viewBox="0 0 640 320" role="img"/g)).toHaveLength(2);
      expect(text).toContain("function_name_accuracy against GPU cost per hour");
      expect(text).toMatch(/class="target"/);
      expect(text).toMatch(/<circle class="point series-\d best"/);
      expect(text).toContain("no candidate has a tool_calling_correctness score yet");
      expect(text).toContain("flywheel-eval-trip");
      expect(text).toContain("malformed_json");
      expect(text).not.toContain('http-equiv="refresh"');
    });

    it("links each evaluation's MLflow run when its URL is http or https, opened without the UI as referrer, and shows any other as text", async () => {
      const { text } = await page(api, `/runs/${completed.id}`, reader);
      expect(text).toContain("<th scope=\"col\">MLflow</th>");
      expect(text).toContain(`<a href="${mlflowRun}%22%3E%3Cscript%3Ealert(1)%3C/script%3E" rel="noopener noreferrer">MLflow run</a>`);
      expect(text).toContain("<td>javascript:alert(1)</td>");
      expect(text).not.toContain('href="javascript:');
      const half = await page(api, `/runs/${halfWritten.id}`, reader);
      expect(half.text).toMatch(/<td>—<\/td><\/tr>/);
    });

    it("refreshes a running run's page and shows its progress", async () => {
      const { text } = await page(api, `/runs/${running.id}`, reader);
      expect(text).toContain('<meta http-equiv="refresh" content="10">');
      expect(text).toContain("Live progress");
      expect(text).toContain(`href="/runs/${running.id}?live=off"`);
      const still = await page(api, `/runs/${running.id}?live=off`, reader);
      expect(still.text).not.toContain('http-equiv="refresh"');
      expect(still.text).toContain("Live progress");
    });

    it("renders a half-written run with notes of what is missing, never a 500", async () => {
      const run = await page(api, `/runs/${halfWritten.id}`, reader);
      expect(run.status).toBe(200);
      expect(run.text).toContain("unknown status &quot;exploded&quot;");
      expect(run.text).toContain("no stored report yet");
      expect(run.text).toContain("no dataset is recorded");
      expect(run.text).toContain("no drop counts are recorded");
      const samples = await page(api, `/runs/${halfWritten.id}/samples`, reader);
      expect(samples.status).toBe(200);
      expect(samples.text).toContain("no per-sample results: the evaluation is running");
      const workload = await page(api, "/workloads/half-written/web", reader);
      expect(workload.status).toBe(200);
      expect(workload.text).toContain("no run of this pair has a report yet");
    });

    it("shows samples side by side, escaped, with cut texts noted, and says why an evaluation has none", async () => {
      const { status, text } = await page(api, `/runs/${completed.id}/samples`, reader);
      expect(status).toBe(200);
      expect(text).toContain("Production's logged response");
      expect(text).toContain("cut to 8 KiB");
      expect(text).toContain("no per-sample results: the results ZIP has no per-sample file");
      expect(text).toContain("large-model — base-eval");
    });

    it("escapes <script>, javascript: links and bidi controls from records on every page", async () => {
      for (const path of ["/", `/runs/${completed.id}`, `/runs/${completed.id}/samples`, "/workloads/trip-planner/web"]) {
        const { text } = await page(api, path, reader);
        expect([path, text.includes("<script")]).toEqual([path, false]);
        expect([path, /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/.test(text)]).toEqual([path, false]);
        // The one link off the UI: the MLflow run, its quote and tag percent-encoded.
        expect([path, hrefs(text).filter((href) => !href.startsWith("/") && href !== `${mlflowRun}%22%3E%3Cscript%3Ealert(1)%3C/script%3E`)]).toEqual([path, []]);
        expect([path, /\sstyle=|\son[a-z]+=/i.test(text)]).toEqual([path, false]);
      }
      const samples = (await page(api, `/runs/${completed.id}/samples`, reader)).text;
      expect(samples).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
      expect(samples).toContain("&lt;a href=&quot;javascript:alert(1)&quot;&gt;");
      expect(samples).toContain("price ⟨U+202E⟩evil⟨U+202C⟩ and ⟨U+2066⟩isolated⟨U+2069⟩");
    });

    it("charts a workload with one run as one point per candidate, with the data in a table", async () => {
      const { status, text } = await page(api, "/workloads/trip-planner/web", reader);
      expect(status).toBe(200);
      expect(text).toContain("function_name_accuracy, base-eval");
      expect(text).toMatch(/<svg [^>]*role="img"[^>]*aria-label="function_name_accuracy, base-eval: 2 candidates over 1 run, target 0.8"/);
      expect(text.match(/<circle class="point/g)?.length).toBeGreaterThanOrEqual(2);
      expect(text).toContain("no run has a tool_calling_correctness score");
      expect((await page(api, "/workloads/nobody/web", reader)).status).toBe(404);
    });

    it("serves the stylesheet and labels the UI's requests by route template in the metrics", async () => {
      const style = await fetch(`${api.url}/ui/style.css`);
      expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
      expect(await style.text()).toContain(":focus-visible");
      expect((await fetch(`${api.url}/ui/icon.svg`)).headers.get("content-type")).toBe("image/svg+xml");
      const metrics = await (await fetch(`${api.url}/metrics`)).text();
      expect(metrics).toContain('route="/runs/{run_id}"');
      expect(metrics).toContain('route="/workloads/{workload_id}/{client_id}"');
      expect(metrics).not.toContain(completed.id);
    });

    it("answers 404 pages for unknown runs", async () => {
      expect((await page(api, "/runs/not-an-id", reader)).status).toBe(404);
      expect((await page(api, `/runs/${newRecordId()}/samples`, reader)).status).toBe(404);
    });
  });
});
