import { Redis } from "ioredis";
import { TransientError } from "../errors";

/**
 * A Redis connection for the budget and the run lock, checked with a PING before it is used.
 * Afterwards commands wait while Redis is unreachable (`maxRetriesPerRequest: null`) rather than
 * fail: a lease refresh that cannot reach Redis then neither crashes the process nor pretends to
 * succeed; the lease expires, and when Redis is back the refresh reports it lost and the holder
 * stops. An outage is reported once.
 */
export async function connectRedis(url: string, timeoutMs: number, onWarning: (message: string) => void): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectionName: "flywheel-job" });
  let reported = false;
  let lastError = "no answer";
  redis.on("error", (error: Error) => {
    lastError = error.message;
    if (!reported) {
      reported = true;
      onWarning(`Redis is unreachable (${error.message}); waiting for it`);
    }
  });
  redis.on("ready", () => {
    reported = false;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new TransientError(`Redis (REDIS_URL) did not answer within ${timeoutMs / 1000} s: ${lastError}`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return redis;
}

/** Closes the connection, without waiting more than `timeoutMs` for commands Redis never answers. */
export async function disconnectRedis(redis: Redis, timeoutMs: number): Promise<void> {
  const timer = setTimeout(() => redis.disconnect(), timeoutMs);
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
