import type { PublishedArtifacts } from "../platform/model-platform";
import type { RunDetails, RunStore } from "../store/run-store";

/** One thing a deletion removed, or found gone already. */
export interface DeletedArtifact {
  readonly kind: "dataset" | "model";
  /** How the platform names it, e.g. `dfwbp/flywheel-eval-…`. */
  readonly name: string;
  /** False when there was nothing to delete. */
  readonly deleted: boolean;
}

/**
 * Deletes a finished run everywhere, in the order that leaves nothing behind when it stops half-way:
 * its datasets, then its fine-tuned models, then its records (a second attempt finds the records and
 * deletes what is left). `flywheel runs delete` and `DELETE /api/jobs/{id}` both do it this way.
 * The caller checks that the run has finished.
 */
export async function deleteRunEverywhere(
  details: RunDetails,
  artifacts: PublishedArtifacts,
  store: RunStore,
  signal: AbortSignal,
  onDeleted: (artifact: DeletedArtifact) => void = () => undefined,
): Promise<void> {
  for (const dataset of details.run.datasets) {
    const location = { name: dataset.name, uri: dataset.nmp_uri };
    onDeleted({ kind: "dataset", name: artifacts.describeDataset(location), deleted: await artifacts.deleteDataset(location, signal) });
  }
  for (const model of new Set(details.customizations.flatMap((c) => (c.customized_model ? [c.customized_model] : [])))) {
    onDeleted({ kind: "model", name: model, deleted: await artifacts.deleteAdapter(model, signal) });
  }
  await store.deleteRun(details);
}
