import { nameFragment } from "../kubernetes/labels";
import type { DatasetRecord } from "../store/records";

/**
 * Names of what a run creates on the model platform. Each carries the run id (unique, unlike the blueprint's
 * second-resolution timestamps), so runs never overwrite each other.
 */

export function datasetName(kind: DatasetRecord["kind"], workloadId: string, runId: string): string {
  return `flywheel-${kind}-${nameFragment(workloadId, 40) || "workload"}-${runId}`;
}

export function customizationJobName(runId: string, index: number, model: string): string {
  return `flywheel-${runId}-${index}-${nameFragment(model.slice(model.lastIndexOf("/") + 1), 40)}`;
}

/** The name asked for a fine-tuned adapter; the platform may qualify it (NeMo: `<namespace>/…`) or append a version (`@cust-…`). */
export function adapterName(runId: string, model: string): string {
  return `flywheel-${nameFragment(model.slice(model.lastIndexOf("/") + 1), 40)}-${runId}`;
}
