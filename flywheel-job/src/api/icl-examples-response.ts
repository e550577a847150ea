import { iclExamplePoolBounds } from "../curation/icl/icl-example-pool";
import type { IclExamplePoolRecord, RunRecord } from "../store/records";
import { activeStatuses } from "../store/records";
import type { JsonObject, JsonValue } from "../store/run-json";
import { blueprintJobStatus } from "./blueprint-shapes";

/**
 * `GET /api/jobs/{id}/icl-examples`, this project's: the in-context examples a run's ICL evaluation
 * showed, for an application to prompt the promoted model as the evaluation did. A run that has
 * none answers with an empty list and a `message` saying why, so that "no examples" is never
 * mistaken for "no such run" (404). The examples are the run's bounded pool
 * (src/curation/icl/icl-example-pool.ts); at most its count bound are sent, whatever the store holds.
 */
export function iclExamplesResponse(run: RunRecord, pool: IclExamplePoolRecord | undefined): JsonObject {
  const identity = { job_id: run.id, status: blueprintJobStatus(run.status) };
  if (pool === undefined) {
    return { ...identity, icl: null, examples: [], message: missingPoolMessage(run) };
  }
  const examples = pool.examples.slice(0, iclExamplePoolBounds.maxExamples).map((entry, i) => {
    const { request, response } = JSON.parse(entry.example_json) as { request: JsonValue; response: JsonValue };
    return { rank: i + 1, uses: entry.uses, request, response };
  });
  const icl = {
    selection: pool.selection,
    max_examples_per_record: pool.max_examples_per_record,
    examples_per_record: [...pool.examples_per_record],
    instruction: pool.instruction,
    distinct_examples: pool.distinct_examples,
    omitted: { ...pool.omitted },
    bounds: { ...pool.bounds },
  };
  return examples.length > 0 ? { ...identity, icl, examples } : { ...identity, icl, examples, message: emptyPoolMessage(run.id, pool) };
}

function missingPoolMessage(run: RunRecord): string {
  if (activeStatuses.includes(run.status)) {
    return `Job ${run.id} has not recorded its in-context examples yet (it is ${blueprintJobStatus(run.status)}); they are recorded once it has published its datasets`;
  }
  return `Job ${run.id} recorded no in-context examples: it ended (${run.status}) before publishing its datasets, or was recorded before runs kept them`;
}

function emptyPoolMessage(id: string, pool: IclExamplePoolRecord): string {
  if (pool.distinct_examples === 0) {
    return `Job ${id}'s ICL evaluation showed no examples: none fitted the context budget beside its records`;
  }
  return `None of the ${pool.distinct_examples} examples Job ${id} showed is within the bound of ${pool.bounds.max_example_bytes} bytes per example`;
}
