import { MongoClient } from "mongodb";
import type { PlatformCheck } from "./platform-check";
import type { PlatformCheckResult } from "./platform-verify-contract";
import { boundedCall, describeFailure } from "./store-call";

/** What `hello` says about the member the check reached. */
export interface MongoHello {
  readonly isWritablePrimary?: boolean;
  /** The replica set's primary, as the member knows it. */
  readonly primary?: string;
  readonly setName?: string;
}

/** How the check reaches MongoDB: connect with the credentials, run `hello`, close. */
export type MongoHelloCall = (url: string, credentials: { username: string; password: string; ca?: string }, timeoutMs: number) => Promise<MongoHello>;

/** The driver: one connection attempt, every wait bounded by `timeoutMs`, always closed. */
export const driverHello: MongoHelloCall = async (url, credentials, timeoutMs) => {
  const client = new MongoClient(url, {
    auth: { username: credentials.username, password: credentials.password },
    ...(credentials.ca === undefined ? {} : { tls: true, ca: credentials.ca }),
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    socketTimeoutMS: timeoutMs,
    retryReads: false,
  });
  try {
    await client.connect();
    const hello: MongoHello = await client.db("admin").command({ hello: 1 });
    return hello;
  } finally {
    await client.close(true);
  }
};

/** `mongodb`: log in as the flywheel's user and `hello`: the replica set must have a primary; skipped when the stack has no MongoDB. */
export function mongodbCheck(hello: MongoHelloCall = driverHello): PlatformCheck {
  return {
    name: "mongodb",
    async run(context): Promise<PlatformCheckResult[]> {
      const mongodb = context.config.mongodb;
      const check = "mongodb primary";
      if (mongodb === undefined) {
        return [{ check, target: "(none)", outcome: "skip", detail: "the stack declares no MongoDB" }];
      }
      const target = `${mongodb.username}@${describeFailure(mongodb.url.replace(/^mongodb(\+srv)?:\/\/([^@/]*@)?/, ""))}`;
      const password = context.readCredential(mongodb.passwordFile).trim();
      const ca = mongodb.caFile === undefined ? undefined : context.readCredential(mongodb.caFile);
      try {
        const seen = await boundedCall(context, () => hello(mongodb.url, { username: mongodb.username, password, ...(ca === undefined ? {} : { ca }) }, context.callTimeoutMs));
        if (seen.isWritablePrimary === true || (typeof seen.primary === "string" && seen.primary !== "")) {
          const where = seen.isWritablePrimary === true ? "connected to the primary" : `primary ${describeFailure(seen.primary)}`;
          return [{ check, target, outcome: "pass", detail: `${where}${seen.setName === undefined ? "" : ` of ${describeFailure(seen.setName)}`}` }];
        }
        return [{ check, target, outcome: "fail", detail: "hello answered without a primary", troubleshooting: "mongodb-no-primary" }];
      } catch (error) {
        return [{ check, target, outcome: "fail", detail: describeFailure(error), troubleshooting: "mongodb-no-primary" }];
      }
    },
  };
}
