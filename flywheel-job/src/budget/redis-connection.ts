import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { Redis } from "ioredis";
import type { FlywheelEnvironment } from "../config/environment";
import { connectTimeoutMs } from "../connect-timeout";
import { TransientError, UsageError } from "../errors";
import { describeFileError } from "../file-errors";

/** The CA of REDIS_CA_FILE, read once; undefined when the variable is unset. */
export function readRedisCa(environment: FlywheelEnvironment): string | undefined {
  const caFile = environment.REDIS_CA_FILE;
  if (caFile === undefined) {
    return undefined;
  }
  try {
    return readFileSync(caFile, "utf8");
  } catch (error) {
    throw new UsageError(`REDIS_CA_FILE: cannot read ${caFile}: ${describeFileError(error)}`);
  }
}

/**
 * TLS options for a `rediss://` URL, undefined for `redis://`. The certificate is always verified:
 * against `ca` when given, else against the system's CAs (Node's bundled roots), and for the URL's
 * host name (or IP address).
 */
function tlsOptions(url: string, ca: string | undefined): ConnectionOptions | undefined {
  const { protocol, hostname } = new URL(url);
  if (protocol !== "rediss:") {
    return undefined;
  }
  // SNI carries names only; Node checks an IP address host against the certificate's IP addresses.
  const host = hostname.replace(/^\[|\]$/g, "");
  return { ...(ca === undefined ? {} : { ca }), ...(isIP(host) === 0 ? { servername: host } : {}) };
}

// OpenSSL's codes (through Node) for a certificate the client refused: no retry makes it trusted.
const certificateRefusals: ReadonlySet<string> = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

function refusedCertificate(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && certificateRefusals.has(code);
}

/**
 * A Redis connection for the budget and the run lock, checked with a PING before it is used.
 * Afterwards commands wait while Redis is unreachable (`maxRetriesPerRequest: null`) rather than
 * fail: a lease refresh that cannot reach Redis then neither crashes the process nor pretends to
 * succeed; the lease expires, and when Redis is back the refresh reports it lost and the holder
 * stops. An outage is reported once. A `rediss://` URL is verified against `ca` (REDIS_CA_FILE's,
 * from `readRedisCa`); a certificate that fails verification fails the connection at once.
 */
export async function connectRedis(url: string, timeoutMs: number, onWarning: (message: string) => void, ca?: string): Promise<Redis> {
  // connectTimeout: a Redis that does not accept the connection is reported after 5 s, not ioredis' 10 s.
  const tls = tlsOptions(url, ca);
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectionName: "flywheel-job", connectTimeout: connectTimeoutMs, ...(tls ? { tls } : {}) });
  let reported = false;
  let connected = false;
  let lastError = "no answer";
  let refuse: ((error: Error) => void) | undefined;
  redis.on("error", (error: Error) => {
    lastError = error.message;
    if (!connected && refusedCertificate(error)) {
      // Not an outage: the server is not the one REDIS_CA_FILE vouches for. Fail at once, as a configuration error.
      refuse?.(new UsageError(`Redis (REDIS_URL): refused the server's TLS certificate (${error.message}); is REDIS_CA_FILE the CA that signed it?`));
      return;
    }
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
        refuse = reject;
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
