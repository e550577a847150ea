import { join } from "node:path";
import type { PreparedData } from "../curation/prepare-data";
import { datasetFiles } from "../datasets/layouts";
import { writeDatasets } from "../datasets/write-datasets";
import type { NemoServices } from "../nemo/services";
import type { DatasetRecord } from "../store/records";
import type { RunLog } from "../log";
import { datasetName } from "./names";
import type { PublishedDatasets } from "./run-context";

/**
 * The datasets step (flywheel-job/README.md, "What a run does", step 5;
 * flywheel-job/docs/nemo-calls.md, "Datasets"): writes the three datasets under `directory`, uploads
 * each to its own Data Store repo and registers it in Entity Store, named with the run id. Returns
 * them as published and as the run records them.
 */
export async function publishDatasets(
  nemo: NemoServices,
  data: PreparedData,
  where: { readonly namespace: string; readonly workloadId: string; readonly runId: string; readonly directory: string },
  log: RunLog,
  signal: AbortSignal,
): Promise<{ readonly datasets: PublishedDatasets; readonly records: DatasetRecord[] }> {
  const written = writeDatasets(where.directory, data);
  const local = (file: keyof typeof datasetFiles): string => join(where.directory, datasetFiles[file]);
  const plan = [
    { kind: "eval" as const, records: written.eval.records, files: [{ pathInRepo: "eval_data.jsonl", localPath: local("eval") }] },
    { kind: "icl" as const, records: written.icl.records, files: [{ pathInRepo: "eval_data.jsonl", localPath: local("icl") }] },
    {
      kind: "train" as const,
      records: written.train.records + written.validation.records,
      files: [
        { pathInRepo: "training/train_data.jsonl", localPath: local("train") },
        { pathInRepo: "validation/val_data.jsonl", localPath: local("validation") },
      ],
    },
  ];
  await nemo.dataStore.ensureNamespace(where.namespace, signal);
  await nemo.entityStore.ensureNamespace(where.namespace, signal);
  const published: Partial<Record<DatasetRecord["kind"], PublishedDatasets["eval"]>> = {};
  const records: DatasetRecord[] = [];
  for (const dataset of plan) {
    const ref = { namespace: where.namespace, name: datasetName(dataset.kind, where.workloadId, where.runId) };
    await nemo.dataStore.createDatasetRepo(ref, signal);
    await nemo.dataStore.uploadFiles(ref, dataset.files, signal);
    const filesUrl = nemo.dataStore.filesUrl(ref);
    await nemo.entityStore.registerDataset(ref, { filesUrl, description: `flywheel run ${where.runId}: ${dataset.kind} dataset of workload ${where.workloadId}` }, signal);
    published[dataset.kind] = { ...ref, records: dataset.records };
    records.push({ kind: dataset.kind, name: ref.name, num_records: dataset.records, nmp_uri: filesUrl });
    log.info(`dataset ${ref.namespace}/${ref.name}: ${dataset.records} records uploaded and registered`);
  }
  return { datasets: { eval: published.eval!, icl: published.icl!, train: published.train! }, records };
}
