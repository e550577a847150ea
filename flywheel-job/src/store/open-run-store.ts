import { setTimeout as delay } from "node:timers/promises";
import type { FlywheelEnvironment } from "../config/environment";
import { connectTimeoutMs } from "../connect-timeout";
import { TransientError, UsageError } from "../errors";
import { JsonFileRecordStore } from "./json-file-record-store";
import type * as MongoRecordStoreModule from "./mongo-record-store";
import { mongoTlsOptions } from "./mongo-tls-options";
import { RunStore } from "./run-store";

/** How a MongoDB that does not answer is retried before the command gives up (exit code 75). */
export interface ConnectRetries {
  readonly attempts: number;
  /** How long one attempt waits for an answer. */
  readonly connectTimeoutMs: number;
  /** Pause between attempts. */
  readonly delayMs: number;
}

/** Three attempts of 5 s, 2 s apart: an unreachable MongoDB is reported after 5 s and given up on after 19 s. */
export const mongoConnectRetries: ConnectRetries = { attempts: 3, connectTimeoutMs, delayMs: 2_000 };

/**
 * The MongoDB store with its driver, loaded only when MONGODB_URL is the store: a `--state-dir`
 * command never pays the driver's memory. (A dynamic import() would need a file extension under
 * node16 module resolution, which the CommonJS transpilers do not map; see scripts/render.ts.)
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see the note above
const loadMongoRecordStore = () => (require("./mongo-record-store") as typeof MongoRecordStoreModule).MongoRecordStore;

/**
 * The run records: JSON files under `stateDirectory` when given, else MongoDB at MONGODB_URL. An
 * attempt to reach MongoDB that fails is reported through `onRetry` before the next one.
 */
export async function openRunStore(
  stateDirectory: string | undefined,
  environment: FlywheelEnvironment,
  onRetry: (message: string) => void,
  retries: ConnectRetries = mongoConnectRetries,
): Promise<RunStore> {
  if (stateDirectory !== undefined) {
    return new RunStore(new JsonFileRecordStore(stateDirectory));
  }
  const url = environment.MONGODB_URL;
  if (url === undefined) {
    throw new UsageError("no run store: set MONGODB_URL, or pass --state-dir DIR to keep the run records as JSON files");
  }
  const tls = mongoTlsOptions(environment);
  const MongoRecordStore = loadMongoRecordStore();
  for (let attempt = 1; ; attempt++) {
    try {
      return new RunStore(await MongoRecordStore.open(url, environment.MONGODB_DATABASE ?? "flywheel", retries.connectTimeoutMs, tls));
    } catch (error) {
      if (!(error instanceof TransientError)) {
        throw error;
      }
      if (attempt >= retries.attempts) {
        throw new TransientError(`${error.message}; gave up after ${retries.attempts} attempts`);
      }
      onRetry(`${error.message}; trying again in ${retries.delayMs / 1000} s (attempt ${attempt + 1} of ${retries.attempts})`);
      await delay(retries.delayMs);
    }
  }
}
