import { nameFragment } from "../kubernetes/labels";
import type { DatasetRecord } from "../store/records";

/**
 * Names of what a run creates in NeMo. Each carries the run id (unique, unlike the blueprint's
 * second-resolution timestamps), so runs never overwrite each other.
 */

export function datasetName(kind: DatasetRecord["kind"], workloadId: string, runId: string): string {
  return `flywheel-${kind}-${nameFragment(workloadId, 40) || "workload"}-${runId}`;
}

export function customizationJobName(runId: string, index: number, model: string): string {
  return `flywheel-${runId}-${index}-${nameFragment(model.slice(model.lastIndexOf("/") + 1), 40)}`;
}

/** The adapter's name without a version; Customizer may append one (`@cust-…`). */
export function customizedModelName(namespace: string, runId: string, model: string): string {
  return `${namespace}/flywheel-${nameFragment(model.slice(model.lastIndexOf("/") + 1), 40)}-${runId}`;
}
