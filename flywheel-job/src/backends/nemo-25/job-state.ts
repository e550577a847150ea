import type { JobState } from "../../platform/job-control";

/**
 * Maps a 25.x job status (Customizer and Evaluator share the vocabulary; documented in upper case,
 * sent in lower case) onto the lifecycle the pipeline waits on. A word this table does not know
 * counts as still pending: the wait's stall timeout ends it if nothing moves, instead of the run
 * failing on the first status a newer service version adds (the blueprint failed on `pending`).
 */
export function jobState(status: unknown): JobState {
  switch (String(status).toLowerCase()) {
    case "running":
    case "cancelling":
      return "running";
    case "completed":
      return "completed";
    case "failed":
    case "error":
      return "failed";
    case "cancelled":
    case "canceled":
      return "cancelled";
    default:
      return "pending";
  }
}

