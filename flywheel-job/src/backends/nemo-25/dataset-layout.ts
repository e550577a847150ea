import { UsageError } from "../../errors";
import type { DatasetContent, DatasetLocation } from "../../platform/model-platform";

/** A dataset in 25.x: a Data Store repo and an Entity Store record with the same namespace and name. */
export interface DatasetRef {
  readonly namespace: string;
  readonly name: string;
}

/** A local file and where it goes in the dataset's repo. */
export interface RepoFile {
  readonly pathInRepo: string;
  readonly localPath: string;
}

/** The file of an evaluation dataset's repo, which an evaluation job is given. */
export const evaluationFile = "eval_data.jsonl";

/** Where a dataset's files go in its repo: Customizer reads a fine-tuning dataset's `training/` and `validation/` folders. */
export function repoFiles(content: DatasetContent): RepoFile[] {
  if (content.use === "evaluation") {
    return [{ pathInRepo: evaluationFile, localPath: content.file }];
  }
  return [
    { pathInRepo: "training/train_data.jsonl", localPath: content.trainingFile },
    { pathInRepo: "validation/val_data.jsonl", localPath: content.validationFile },
  ];
}

/** `namespace/name`, as Data Store and Entity Store name a dataset. */
export function repoId(dataset: DatasetRef): string {
  return `${dataset.namespace}/${dataset.name}`;
}

/** How the other services refer to the dataset, or to one file in it: `hf://datasets/<namespace>/<name>[/<path>]`. */
export function filesUrl(dataset: DatasetRef, pathInRepo?: string): string {
  return `hf://datasets/${repoId(dataset)}${pathInRepo ? `/${pathInRepo}` : ""}`;
}

/** A published dataset's namespace and name, read from its location (`hf://datasets/<namespace>/<name>`). */
export function datasetRefOf(dataset: DatasetLocation): DatasetRef {
  const match = /^hf:\/\/datasets\/([^/]+)\/([^/]+)/.exec(dataset.uri);
  if (!match) {
    throw new UsageError(`dataset ${dataset.name} has no Data Store location (nmp_uri "${dataset.uri}")`);
  }
  return { namespace: match[1], name: match[2] };
}
