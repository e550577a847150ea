import type { IncomingMessage } from "node:http";
import type { Answer } from "../api/answer";
import { blueprintJobStatuses, runStatusOf } from "../api/blueprint-shapes";
import type { ApiTokens } from "../api/bearer-auth";
import { messageOf } from "../errors";
import type { RunLog } from "../log";
import { recordIdPattern } from "../store/ids";
import { decodeRunCursor, encodeRunCursor } from "../store/run-page";
import type { RunStore } from "../store/run-store";
import { readFormBody } from "./form-body";
import type { Viewer } from "./layout";
import { loginPage } from "./pages/login-page";
import { messagePage } from "./pages/message-page";
import { runPage } from "./pages/run-page";
import { type RunsFilters, runsPage } from "./pages/runs-page";
import { samplesPage } from "./pages/samples-page";
import { workloadHistoryRuns, workloadPage } from "./pages/workload-page";
import { reportOfRun } from "./report-of-run";
import { pageAnswer, redirectAnswer, staticAnswer } from "./ui-answer";
import { liveParameter, runPath, type UiMatch, uiRoutes } from "./ui-paths";
import {
  cookieOf,
  formToken,
  isFormTokenOf,
  isLoginNonce,
  isSameOrigin,
  issueSession,
  loginCookie,
  loginFormSeconds,
  newLoginNonce,
  roleOfToken,
  sessionCookie,
  sessionSeconds,
  setCookie,
  type UiSession,
  verifySession,
} from "./ui-session";

/** What the review UI reads: the API's store and tokens, its log, and its clock. */
export interface UiContext {
  readonly store: RunStore;
  readonly tokens: ApiTokens;
  readonly log: RunLog;
  readonly now: () => Date;
}

/** Runs on one page of the list. */
export const runsPageSize = 50;
/** Longest filter value taken from the query: ids are far shorter. */
const maxFilterLength = 200;

const methodsOf: Readonly<Record<UiMatch["route"], readonly string[]>> = {
  [uiRoutes.runs]: ["GET"],
  [uiRoutes.login]: ["GET", "POST"],
  [uiRoutes.logout]: ["POST"],
  [uiRoutes.run]: ["GET"],
  [uiRoutes.samples]: ["GET"],
  [uiRoutes.cancel]: ["POST"],
  [uiRoutes.workload]: ["GET"],
  [uiRoutes.style]: ["GET"],
  [uiRoutes.icon]: ["GET"],
};

/**
 * The review UI's answer to a request for one of its paths. Pages need a session cookie (else a
 * redirect to the login form); every POST needs the session's form token and a same-origin request.
 * The cookie is read here only: `/api/*` never sees it.
 */
export async function serveUi(request: IncomingMessage, context: UiContext, match: UiMatch): Promise<Answer> {
  try {
    return await answerUi(request, context, match);
  } catch (error) {
    // The reason goes to the log only, as the API's: a store error may name hosts or files.
    return { ...pageAnswer(500, messagePage("Something went wrong", "The service could not read the records for this page. The reason is in the service's log.")), reason: messageOf(error) };
  }
}

async function answerUi(request: IncomingMessage, context: UiContext, match: UiMatch): Promise<Answer> {
  const method = request.method === "HEAD" ? "GET" : (request.method ?? "");
  const allowed = methodsOf[match.route];
  if (!allowed.includes(method)) {
    return pageAnswer(405, messagePage("Method not allowed", `This page answers ${allowed.join(" and ")} only.`), { allow: allowed.join(", ") });
  }
  if (match.route === uiRoutes.style || match.route === uiRoutes.icon) {
    return staticAnswer(match.route === uiRoutes.style ? "style" : "icon");
  }
  const now = context.now();
  const session = verifySession(cookieOf(request, sessionCookie), context.tokens, now);
  if (match.route === uiRoutes.login) {
    return method === "GET" ? (session === undefined ? showLogin(request, 200) : redirectAnswer(uiRoutes.runs)) : logIn(request, context, now);
  }
  if (session === undefined) {
    return redirectAnswer(uiRoutes.login);
  }
  const viewer: Viewer = { role: session.role, formToken: formToken(session, context.tokens) };
  if (method === "POST") {
    const refused = await checkForm(request, context, session, viewer);
    if (refused !== undefined) {
      return refused;
    }
    return match.route === uiRoutes.logout ? redirectAnswer(uiRoutes.login, { "set-cookie": setCookie(request, sessionCookie, "", 0) }) : cancel(context, viewer, match.values[0] ?? "");
  }
  switch (match.route) {
    case uiRoutes.runs:
      return runs(request, context, viewer, now);
    case uiRoutes.run:
      return run(context, viewer, match.values[0] ?? "", now, new URL(request.url ?? "/", "http://localhost").searchParams.get(liveParameter) !== "off");
    case uiRoutes.samples:
      return samples(context, viewer, match.values[0] ?? "");
    default:
      return workload(context, viewer, match.values[0] ?? "", match.values[1] ?? "");
  }
}

function showLogin(request: IncomingMessage, status: number, problem?: string): Answer {
  const nonce = newLoginNonce();
  // A body left unread (413) must not be taken for the next request on the connection.
  const close: Readonly<Record<string, string>> = status === 413 ? { connection: "close" } : {};
  return pageAnswer(status, loginPage(nonce, problem), { "set-cookie": setCookie(request, loginCookie, nonce, loginFormSeconds), ...close });
}

/**
 * Login is protected against login CSRF by the login cookie: a page elsewhere can neither read the
 * nonce nor make the browser send the cookie (SameSite=Strict), so it cannot log a victim in with
 * its own token. A refused token is logged, never the token itself.
 */
async function logIn(request: IncomingMessage, context: UiContext, now: Date): Promise<Answer> {
  if (!isSameOrigin(request)) {
    return showLogin(request, 403, "The login form was sent from another site: log in from this page.");
  }
  const form = await readFormBody(request);
  if ("refused" in form) {
    return showLogin(request, form.refused.status, `The login form could not be read: ${form.refused.reason}.`);
  }
  if (!isLoginNonce(cookieOf(request, loginCookie), form.fields.get("nonce"))) {
    return showLogin(request, 403, "The login form expired or was not sent from this page: try again.");
  }
  const role = roleOfToken(form.fields.get("token")?.trim() ?? "", context.tokens);
  if (role === undefined) {
    context.log.warn(`review UI: refused a login from ${request.socket.remoteAddress ?? "an unknown address"}: the token is neither the read nor the operator token`);
    return showLogin(request, 401, "That token is neither the API's read token nor its operator token.");
  }
  const session = issueSession(role, context.tokens, now);
  context.log.info(`review UI: opened a ${role} session for ${request.socket.remoteAddress ?? "an unknown address"}`);
  return redirectAnswer(uiRoutes.runs, { "set-cookie": setCookie(request, sessionCookie, session.cookieValue, sessionSeconds) });
}

/** A POST of a session's form: from this site (as far as the browser says) and with the session's form token. */
async function checkForm(request: IncomingMessage, context: UiContext, session: UiSession, viewer: Viewer): Promise<Answer | undefined> {
  if (!isSameOrigin(request)) {
    return pageAnswer(403, messagePage("Refused", "The form was sent from another site.", viewer));
  }
  const form = await readFormBody(request);
  if ("refused" in form) {
    return pageAnswer(form.refused.status, messagePage("Refused", `The form could not be read: ${form.refused.reason}.`, viewer), { connection: "close" });
  }
  if (!isFormTokenOf(session, context.tokens, form.fields.get("csrf"))) {
    return pageAnswer(403, messagePage("Refused", "The form's token does not belong to this session: reload the page and try again.", viewer));
  }
  return undefined;
}

function notFound(viewer: Viewer, what: string): Answer {
  return pageAnswer(404, messagePage("Not found", what, viewer));
}

async function cancel(context: UiContext, viewer: Viewer, id: string): Promise<Answer> {
  if (viewer.role !== "operator") {
    return pageAnswer(403, messagePage("Refused", "Only an operator session may cancel a run: log in with the operator token.", viewer));
  }
  if (!recordIdPattern.test(id)) {
    return notFound(viewer, "There is no run with that id.");
  }
  const result = await context.store.requestCancel(id, context.now());
  if (result === undefined) {
    return notFound(viewer, `There is no run ${id}.`);
  }
  if (!result.changed) {
    return pageAnswer(409, messagePage("Already finished", `Run ${id} has already finished (${result.run.status}) and cannot be cancelled.`, viewer));
  }
  context.log.info(`review UI: an operator session asked run ${id} to cancel`);
  return redirectAnswer(runPath(id));
}

function filterValue(query: URLSearchParams, key: string, problems: string[]): string | undefined {
  const value = query.get(key)?.trim();
  if (value === undefined || value === "") {
    return undefined;
  }
  if (value.length > maxFilterLength) {
    problems.push(`The ${key} filter is longer than ${maxFilterLength} characters and was ignored.`);
    return undefined;
  }
  return value;
}

async function runs(request: IncomingMessage, context: UiContext, viewer: Viewer, now: Date): Promise<Answer> {
  const query = new URL(request.url ?? "/", "http://localhost").searchParams;
  const problems: string[] = [];
  const workloadId = filterValue(query, "workload_id", problems);
  const clientId = filterValue(query, "client_id", problems);
  const statusText = filterValue(query, "status", problems);
  const status = blueprintJobStatuses.find((known) => known === statusText);
  if (statusText !== undefined && status === undefined) {
    problems.push(`There is no status "${statusText}": the statuses are ${blueprintJobStatuses.join(", ")}. All statuses are shown.`);
  }
  const cursorText = filterValue(query, "cursor", problems);
  const after = cursorText === undefined ? undefined : decodeRunCursor(cursorText);
  if (cursorText !== undefined && after === undefined) {
    problems.push("The page link is not one this service made: the newest runs are shown.");
  }
  const page = await context.store.listRunsPage({ workloadId, clientId, statuses: status === undefined ? undefined : [runStatusOf(status)], limit: runsPageSize, after });
  const filters: RunsFilters = { workload_id: workloadId, client_id: clientId, status };
  return pageAnswer(problems.length > 0 ? 400 : 200, runsPage({ runs: page.runs, filters, next: page.next && encodeRunCursor(page.next), problems, viewer, now }));
}

async function run(context: UiContext, viewer: Viewer, id: string, now: Date, liveUpdates: boolean): Promise<Answer> {
  const details = recordIdPattern.test(id) ? await context.store.details(id) : undefined;
  if (details === undefined) {
    return notFound(viewer, "There is no run with that id.");
  }
  return pageAnswer(200, runPage({ details, report: reportOfRun(details), viewer, now, liveUpdates }));
}

async function samples(context: UiContext, viewer: Viewer, id: string): Promise<Answer> {
  const details = recordIdPattern.test(id) ? await context.store.details(id) : undefined;
  if (details === undefined) {
    return notFound(viewer, "There is no run with that id.");
  }
  return pageAnswer(200, samplesPage({ details, samples: await context.store.evaluationSamples(id), viewer }));
}

async function workload(context: UiContext, viewer: Viewer, workloadId: string, clientId: string): Promise<Answer> {
  const latest = await context.store.listRuns({ workloadId, clientId, limit: workloadHistoryRuns });
  if (latest.length === 0) {
    return notFound(viewer, "There is no run of that workload and client.");
  }
  return pageAnswer(200, workloadPage({ workloadId, clientId, runs: latest, viewer }));
}
