import type { Redis } from "ioredis";
import { connectRedis, disconnectRedis } from "../../budget/redis-connection";
import type { PlatformCheck } from "./platform-check";
import type { PlatformCheckResult } from "./platform-verify-contract";
import { describeFailure } from "./store-call";

/** How the check reaches Redis: the job's own connection (TLS verified for `rediss://`), with the password. */
export type RedisConnector = (url: string, timeoutMs: number, ca: string | undefined) => Promise<Redis>;

/** The job's connection, the URL given the password as the default user's. */
export const connectVerifyRedis = (password: string): RedisConnector => (url, timeoutMs, ca) => {
  const withPassword = new URL(url);
  withPassword.password = password;
  return connectRedis(withPassword.toString(), timeoutMs, () => undefined, ca);
};

/** `redis`: AUTH with the configured password and PING, over TLS for `rediss://`; skipped when the stack has no Redis. */
export function redisCheck(connector: (password: string) => RedisConnector = connectVerifyRedis): PlatformCheck {
  return {
    name: "redis",
    async run(context): Promise<PlatformCheckResult[]> {
      const redis = context.config.redis;
      const check = "redis ping";
      if (redis === undefined) {
        return [{ check, target: "(none)", outcome: "skip", detail: "the stack declares no Redis" }];
      }
      const target = redis.url;
      const password = context.readCredential(redis.passwordFile).trim();
      const ca = redis.caFile === undefined ? undefined : context.readCredential(redis.caFile);
      try {
        context.signal.throwIfAborted();
        const client = await connector(password)(redis.url, context.callTimeoutMs, ca);
        await disconnectRedis(client, context.callTimeoutMs);
        return [{ check, target, outcome: "pass", detail: "authenticated; PING answered" }];
      } catch (error) {
        return [{ check, target, outcome: "fail", detail: describeFailure(error), troubleshooting: "redis-unreachable" }];
      }
    },
  };
}
