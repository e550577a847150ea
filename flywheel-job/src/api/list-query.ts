import type { RunStatus } from "../store/records";
import { decodeRunCursor, type RunCursor } from "../store/run-page";
import { type Answer, detail, invalid } from "./answer";
import { blueprintJobStatuses, runStatusOf } from "./blueprint-shapes";
import { quotedKey, type ValidationIssue } from "./validation-error";

/** Most runs one `GET /api/jobs` answers, also without `limit`; `next_cursor` leads on. */
export const maxPageSize = 1000;

/** `GET /api/jobs`'s query in the store's words. */
export interface RunListQuery {
  readonly workloadId?: string;
  readonly clientId?: string;
  readonly statuses?: readonly RunStatus[];
  readonly limit: number;
  readonly after?: RunCursor;
}

const parameters = ["workload_id", "client_id", "status", "limit", "cursor"] as const;

/**
 * The filters and page of `GET /api/jobs`: `status` in the blueprint's words (`queued`, `running`,
 * `completed`, `failed`, `cancelled`), `limit` from 1 to 1000 (1000 when absent), `cursor` as a
 * previous answer's `next_cursor`. An unknown or repeated parameter is 422 naming it, like a wrong
 * value; a cursor this service did not issue is 400.
 */
export function parseRunListQuery(query: URLSearchParams): { readonly query: RunListQuery } | { readonly refused: Answer } {
  const issues: ValidationIssue[] = [];
  for (const key of new Set(query.keys())) {
    if (!(parameters as readonly string[]).includes(key)) {
      issues.push({ loc: ["query", quotedKey(key)], msg: `unknown parameter; the parameters are ${parameters.join(", ")}`, type: "extra_forbidden" });
    } else if (query.getAll(key).length > 1) {
      issues.push({ loc: ["query", key], msg: "given more than once", type: "value_error" });
    }
  }
  const text = (key: (typeof parameters)[number]): string | undefined => query.get(key) ?? undefined;
  const status = text("status");
  const known = blueprintJobStatuses.find((candidate) => candidate === status);
  if (status !== undefined && known === undefined) {
    issues.push({ loc: ["query", "status"], msg: `Input should be ${blueprintJobStatuses.map((s) => `'${s}'`).join(", ")}`, type: "enum" });
  }
  const limitText = text("limit");
  const limit = limitText === undefined ? maxPageSize : /^\d{1,4}$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!(limit >= 1 && limit <= maxPageSize)) {
    issues.push({ loc: ["query", "limit"], msg: `Input should be an integer from 1 to ${maxPageSize}`, type: "int_parsing" });
  }
  if (issues.length > 0) {
    return { refused: invalid(issues.slice(0, 20)) };
  }
  const cursorText = text("cursor");
  const after = cursorText === undefined ? undefined : decodeRunCursor(cursorText);
  if (cursorText !== undefined && after === undefined) {
    return { refused: detail(400, "Invalid cursor: pass the next_cursor of a previous answer") };
  }
  return {
    query: { workloadId: text("workload_id"), clientId: text("client_id"), statuses: known === undefined ? undefined : [runStatusOf(known)], limit, after },
  };
}
