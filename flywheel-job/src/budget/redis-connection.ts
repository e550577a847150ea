import { Redis } from "ioredis";
import { connectTimeoutMs } from "../connect-timeout";
import { TransientError } from "../errors";

/**
 * A Redis connection for the budget and the run lock, checked with a PING before it is used.
 * Afterwards commands wait while Redis is unreachable (`maxRetriesPerRequest: null`) rather than
 * fail: a lease refresh that cannot reach Redis then neither crashes the process nor pretends to
 * succeed; the lease expires, and when Redis is back the refresh reports it lost and the holder
 * stops. An outage is reported once.
 */
export async function connectRedis(url: string, timeoutMs: number, onWarning: (message: string) => void): Promise<Redis> {
  // connectTimeout: a Redis that does not accept the connection is reported after 5 s, not ioredis' 10 s.
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectionName: "flywheel-job", connectTimeout: connectTimeoutMs });
  let reported = false;
  let connected = false;
  let lastError = "no answer";
  redis.on("error", (error: Error) => {
    lastError = error.message;
    if (!reported) {
      reported = true;
      onWarning(
        connected
          ? `Redis is unreachable (${error.message}); waiting for it`
          : `Redis (REDIS_URL) does not answer (${error.message}); trying again for up to ${timeoutMs / 1000} s`,
      );
    }
  });
  redis.on("ready", () => {
    connected = true;
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
