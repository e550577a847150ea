import { type Db, type Filter, type Document, MongoClient, MongoError, ObjectId } from "mongodb";
import { connectTimeoutMs as defaultConnectTimeoutMs } from "../connect-timeout";
import { messageOf, TransientError, UsageError } from "../errors";
import type { FindOptions, RecordStore, Where } from "./record-store";
import { type CollectionName, type Collections, type Patch, referenceFields } from "./records";
import { recordIdPattern } from "./ids";
import { runIndexes, runQuery } from "./mongo-run-queries";
import type { MongoTlsOptions } from "./mongo-tls-options";

/** How long an operation waits for a server to take it, e.g. while a replica set elects a primary. */
const serverSelectionTimeoutMs = 15_000;

/**
 * Run records in MongoDB, one collection per kind (flywheel-job/README.md, "Run records"), ids and
 * references as ObjectIds like the blueprint's. The indexes queries use are created on open: those
 * of `flywheel_runs` lists (mongo-run-queries.ts, which names the index of each query) and one per
 * reference to a run or a candidate.
 */
export class MongoRecordStore implements RecordStore {
  readonly description: string;

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {
    this.description = `MongoDB database "${db.databaseName}"`;
  }

  /**
   * Connects and makes sure the indexes exist. Gives up with a TransientError when MongoDB has not
   * answered within `connectTimeoutMs` (the caller decides whether to try again); afterwards an
   * operation waits up to `serverSelectionTimeoutMs` for a server, which rides out a replica-set
   * election (about 12 s). `tls` comes from `mongoTlsOptions`.
   */
  static async open(url: string, database: string, connectTimeoutMs = defaultConnectTimeoutMs, tls: MongoTlsOptions = {}): Promise<MongoRecordStore> {
    let client: MongoClient;
    try {
      client = new MongoClient(url, { ...tls, serverSelectionTimeoutMS: serverSelectionTimeoutMs, connectTimeoutMS: connectTimeoutMs, appName: "flywheel-job" });
    } catch (error) {
      throw new UsageError(`MONGODB_URL is not a connection string the MongoDB driver accepts: ${messageOf(error)}`);
    }
    try {
      await connectWithin(client, connectTimeoutMs, database);
      const db = client.db(database);
      await db.collection("flywheel_runs").createIndexes(runIndexes.map((index) => ({ name: index.name, key: { ...index.key } })));
      await db.collection("nims").createIndex({ flywheel_run_id: 1 });
      await db.collection("evaluations").createIndex({ nim_id: 1 });
      await db.collection("customizations").createIndex({ nim_id: 1 });
      await db.collection("llm_judge_runs").createIndex({ flywheel_run_id: 1 });
      await db.collection("evaluation_samples").createIndex({ flywheel_run_id: 1 });
      await db.collection("icl_example_pools").createIndex({ flywheel_run_id: 1 });
      return new MongoRecordStore(client, db);
    } catch (error) {
      // Closing also stops a connect that is still trying.
      await client.close().catch(() => undefined);
      throw error instanceof TransientError ? error : asStoreError(error, `connect to MongoDB database "${database}"`);
    }
  }

  async insert<C extends CollectionName>(collection: C, record: Collections[C]): Promise<void> {
    await this.run(`insert into ${collection}`, () => this.db.collection(collection).insertOne(toDocument(record)));
  }

  async update<C extends CollectionName>(collection: C, id: string, patch: Patch<Collections[C]>, onlyIfStatusIn?: readonly string[]): Promise<boolean> {
    if (!recordIdPattern.test(id)) {
      return false;
    }
    const filter: Filter<Document> = { _id: new ObjectId(id), ...(onlyIfStatusIn ? { status: { $in: [...onlyIfStatusIn] } } : {}) };
    const result = await this.run(`update ${collection} ${id}`, () => this.db.collection(collection).updateOne(filter, { $set: toDocument(patch) }));
    return result.matchedCount > 0;
  }

  async get<C extends CollectionName>(collection: C, id: string): Promise<Collections[C] | undefined> {
    if (!recordIdPattern.test(id)) {
      return undefined;
    }
    const document = await this.run(`read ${collection} ${id}`, () => this.db.collection(collection).findOne({ _id: new ObjectId(id) }));
    return document === null ? undefined : fromDocument<Collections[C]>(document);
  }

  async find<C extends CollectionName>(collection: C, where: Where<Collections[C]>, options: FindOptions = {}): Promise<Collections[C][]> {
    if (collection === "flywheel_runs") {
      const query = runQuery(where, options);
      const documents = await this.run(`find in ${collection}`, () => {
        let cursor = this.db.collection(collection).find(query.filter).hint(query.hint);
        if (query.sort !== undefined) {
          cursor = cursor.sort(query.sort);
        }
        if (query.limit !== undefined) {
          cursor = cursor.limit(query.limit);
        }
        return cursor.toArray();
      });
      return documents.map((document) => fromDocument<Collections[C]>(document));
    }
    const filter: Filter<Document> = {};
    for (const [field, wanted] of Object.entries(where) as [string, string | readonly string[] | undefined][]) {
      if (wanted === undefined) {
        continue;
      }
      const convert = (value: string): unknown => (referenceFields.includes(field) && recordIdPattern.test(value) ? new ObjectId(value) : value);
      filter[field] = Array.isArray(wanted) ? { $in: wanted.map(convert) } : convert(wanted as string);
    }
    const documents = await this.run(`find in ${collection}`, () => {
      let cursor = this.db.collection(collection).find(filter);
      if (options.newestFirst) {
        cursor = cursor.sort({ started_at: -1, _id: -1 });
      }
      if (options.limit !== undefined) {
        cursor = cursor.limit(options.limit);
      }
      return cursor.toArray();
    });
    return documents.map((document) => fromDocument<Collections[C]>(document));
  }

  async delete<C extends CollectionName>(collection: C, ids: readonly string[]): Promise<void> {
    const objectIds = ids.filter((id) => recordIdPattern.test(id)).map((id) => new ObjectId(id));
    if (objectIds.length > 0) {
      await this.run(`delete from ${collection}`, () => this.db.collection(collection).deleteMany({ _id: { $in: objectIds } }));
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async run<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw asStoreError(error, what);
    }
  }
}

/**
 * `client.connect()`, or a TransientError after `timeoutMs` naming the last reason the server gave
 * (the driver itself keeps trying until its server selection timeout, in silence).
 */
async function connectWithin(client: MongoClient, timeoutMs: number, database: string): Promise<void> {
  let lastFailure: string | undefined;
  client.on("serverHeartbeatFailed", (event) => {
    lastFailure = event.failure.message;
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = lastFailure === undefined ? "" : ` (${lastFailure})`;
      reject(new TransientError(`MongoDB: could not connect to MongoDB database "${database}": no answer within ${timeoutMs / 1000} s${reason}`));
    }, timeoutMs);
  });
  try {
    await Promise.race([client.connect(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A record as a document: `id` becomes `_id`, references become ObjectIds. */
function toDocument(record: object): Document {
  const document: Document = {};
  const entries: [string, unknown][] = Object.entries(record);
  for (const [key, value] of entries) {
    if (key === "id") {
      document._id = new ObjectId(value as string);
    } else if (referenceFields.includes(key) && typeof value === "string" && recordIdPattern.test(value)) {
      document[key] = new ObjectId(value);
    } else {
      document[key] = value;
    }
  }
  return document;
}

function fromDocument<R>(document: Document): R {
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    if (key === "_id") {
      record.id = value instanceof ObjectId ? value.toHexString() : String(value);
    } else {
      record[key] = value instanceof ObjectId ? value.toHexString() : value;
    }
  }
  return record as R;
}

/** MongoDB server error codes of a refused login or a missing permission: retrying cannot help. */
const accessDenied = new Set([13, 18]);

/** A MongoDB failure for the CLI: refused credentials are a setup error, an unreachable or failing server is transient. */
function asStoreError(error: unknown, what: string): Error {
  if (error instanceof MongoError && typeof error.code === "number" && accessDenied.has(error.code)) {
    return new UsageError(`MongoDB: could not ${what}: ${error.message} (check MONGODB_URL's credentials)`);
  }
  if (error instanceof MongoError) {
    return new TransientError(`MongoDB: could not ${what}: ${error.message}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
