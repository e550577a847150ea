import type { FlywheelEnvironment } from "../config/environment";
import { UsageError } from "../errors";
import { JsonFileRecordStore } from "./json-file-record-store";
import { MongoRecordStore } from "./mongo-record-store";
import { RunStore } from "./run-store";

/** The run records: JSON files under `stateDirectory` when given, else MongoDB at MONGODB_URL. */
export async function openRunStore(stateDirectory: string | undefined, environment: FlywheelEnvironment): Promise<RunStore> {
  if (stateDirectory !== undefined) {
    return new RunStore(new JsonFileRecordStore(stateDirectory));
  }
  if (environment.MONGODB_URL === undefined) {
    throw new UsageError("no run store: set MONGODB_URL, or pass --state-dir DIR to keep the run records as JSON files");
  }
  return new RunStore(await MongoRecordStore.open(environment.MONGODB_URL, environment.MONGODB_DATABASE ?? "flywheel"));
}
