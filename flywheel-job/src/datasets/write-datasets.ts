import { join } from "node:path";
import type { PreparedData } from "../curation/prepare-data";
import { datasetFiles, evalLine, iclLine, trainingLine } from "./layouts";
import { writeJsonl } from "./write-jsonl";

export type DatasetFile = keyof typeof datasetFiles;

/** Writes the three datasets under `dir` (see `datasetFiles`) and returns each file's path and line count. */
export function writeDatasets(dir: string, data: PreparedData): Record<DatasetFile, { readonly path: string; readonly records: number }> {
  const write = (file: DatasetFile, lines: Iterable<unknown>) => {
    const path = join(dir, datasetFiles[file]);
    return { path, records: writeJsonl(path, lines) };
  };
  return {
    eval: write("eval", data.split.eval.map(evalLine)),
    icl: write("icl", data.icl.records.map(iclLine)),
    train: write("train", data.split.train.map((record) => trainingLine(record, data.workloadType))),
    validation: write("validation", data.split.validation.map((record) => trainingLine(record, data.workloadType))),
  };
}
