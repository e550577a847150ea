import { type Db, type Filter, type Document, MongoClient, MongoError, ObjectId } from "mongodb";
import { TransientError, UsageError } from "../errors";
import type { FindOptions, RecordStore, Where } from "./record-store";
import { type CollectionName, type Collections, type Patch, referenceFields } from "./records";
import { recordIdPattern } from "./ids";

/**
 * Run records in MongoDB, one collection per kind (spec §4), ids and references as ObjectIds like
 * the blueprint's. Indexes on `flywheel_runs.workload_id` and `started_at` are created on open.
 */
export class MongoRecordStore implements RecordStore {
  readonly description: string;

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {
    this.description = `MongoDB database "${db.databaseName}"`;
  }

  /** Connects (failing within `serverSelectionTimeoutMs` when MongoDB is unreachable) and makes sure the indexes exist. */
  static async open(url: string, database: string, serverSelectionTimeoutMs = 15_000): Promise<MongoRecordStore> {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: serverSelectionTimeoutMs, appName: "flywheel-job" });
    try {
      await client.connect();
      const db = client.db(database);
      await db.collection("flywheel_runs").createIndexes([{ key: { workload_id: 1 } }, { key: { started_at: -1 } }]);
      await db.collection("nims").createIndex({ flywheel_run_id: 1 });
      await db.collection("evaluations").createIndex({ nim_id: 1 });
      await db.collection("customizations").createIndex({ nim_id: 1 });
      await db.collection("llm_judge_runs").createIndex({ flywheel_run_id: 1 });
      return new MongoRecordStore(client, db);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw asStoreError(error, `connect to MongoDB database "${database}"`);
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

/** A record as a document: `id` becomes `_id`, references become ObjectIds. */
function toDocument(record: object): Document {
  const document: Document = {};
  for (const [key, value] of Object.entries(record)) {
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
