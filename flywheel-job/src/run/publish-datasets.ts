import { rmSync } from "node:fs";
import { join } from "node:path";
import type { PreparedData } from "../curation/prepare-data";
import { datasetFiles } from "../datasets/layouts";
import { writeDatasets } from "../datasets/write-datasets";
import type { RunLog } from "../log";
import type { DatasetContent, ModelPlatform } from "../platform/model-platform";
import type { DatasetRecord } from "../store/records";
import { datasetName } from "./names";
import type { PublishedDataset, PublishedDatasets } from "./run-context";

/**
 * The datasets step (flywheel-job/README.md, "What a run does", step 5;
 * flywheel-job/docs/nemo-calls.md, "Datasets"): writes the three datasets under `directory`,
 * publishes each on the platform, named with the run id, and deletes the directory whatever
 * happened. Returns them as published and as the run records them.
 */
export async function publishDatasets(
  platform: ModelPlatform,
  data: PreparedData,
  where: { readonly workloadId: string; readonly runId: string; readonly directory: string },
  log: RunLog,
  signal: AbortSignal,
): Promise<{ readonly datasets: PublishedDatasets; readonly records: DatasetRecord[] }> {
  try {
    const written = writeDatasets(where.directory, data);
    const local = (file: keyof typeof datasetFiles): string => join(where.directory, datasetFiles[file]);
    const records: DatasetRecord[] = [];
    const publish = async (kind: DatasetRecord["kind"], count: number, content: DatasetContent): Promise<PublishedDataset> => {
      const location = await platform.publishDataset(
        { name: datasetName(kind, where.workloadId, where.runId), description: `flywheel run ${where.runId}: ${kind} dataset of workload ${where.workloadId}`, content },
        signal,
      );
      records.push({ kind, name: location.name, num_records: count, nmp_uri: location.uri });
      log.info(`dataset ${platform.describeDataset(location)}: ${count} records uploaded and registered`);
      return { ...location, records: count };
    };
    const datasets: PublishedDatasets = {
      eval: await publish("eval", written.eval.records, { use: "evaluation", file: local("eval") }),
      icl: await publish("icl", written.icl.records, { use: "evaluation", file: local("icl") }),
      train: await publish("train", written.train.records + written.validation.records, { use: "fine-tuning", trainingFile: local("train"), validationFile: local("validation") }),
    };
    return { datasets, records };
  } finally {
    rmSync(where.directory, { recursive: true, force: true });
  }
}
