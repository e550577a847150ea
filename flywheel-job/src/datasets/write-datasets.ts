import { join } from "node:path";
import type { PreparedData } from "../curation/prepare-data";
import { datasetFiles, evalLine, iclLine, trainingLine } from "./layouts";
import { writeJsonl } from "./write-jsonl";

export type DatasetFile = keyof typeof datasetFiles;

/**
 * Writes the three datasets under `dir` (see `datasetFiles`) and returns each file's path and line
 * count. Each record is read again as its line is written, so memory holds one record at a time.
 */
export function writeDatasets(dir: string, data: PreparedData): Record<DatasetFile, { readonly path: string; readonly records: number }> {
  const write = (file: DatasetFile, lines: Iterable<unknown>) => {
    const path = join(dir, datasetFiles[file]);
    return { path, records: writeJsonl(path, lines) };
  };
  return {
    eval: write("eval", laidOut(data.split.eval, (record) => evalLine(record.load()))),
    icl: write("icl", laidOut(data.icl.records, (icl) => iclLine(icl.record.load(), icl.examples.map((example) => example.load())))),
    train: write("train", laidOut(data.split.train, (record) => trainingLine(record.load(), data.workloadType))),
    validation: write("validation", laidOut(data.split.validation, (record) => trainingLine(record.load(), data.workloadType))),
  };
}

/** One line per item, laid out only when the writer asks for it. */
function* laidOut<T>(items: readonly T[], line: (item: T) => unknown): Generator<unknown> {
  for (const item of items) {
    yield line(item);
  }
}
