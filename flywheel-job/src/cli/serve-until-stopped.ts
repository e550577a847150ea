import { UsageError } from "../errors";
import { describeFileError } from "../file-errors";
import type { RunLog } from "../log";
import type { CliContext } from "./command";

/** A server a long-running command starts, serves with, and stops on SIGTERM. */
export interface StoppableServer {
  readonly url: string;
  /** Lets the requests in flight finish, then closes. */
  stop(): Promise<void>;
}

/**
 * Runs `start` on `port` and serves until the command is asked to stop, then stops the server with
 * the requests in flight finished. A port it cannot take is a usage error (exit 2).
 */
export async function serveUntilStopped<T extends StoppableServer>(
  context: CliContext,
  log: RunLog,
  port: number,
  start: () => Promise<T>,
  describe: (server: T) => string,
): Promise<void> {
  // From here on SIGTERM lets the requests in flight finish before the command exits.
  context.shutdown?.handleGracefully();
  let server: T;
  try {
    server = await start();
  } catch (error) {
    throw new UsageError(`cannot listen on port ${port}: ${describeFileError(error)}`);
  }
  log.info(describe(server));
  const stop = context.shutdown?.signal;
  await new Promise<void>((done) => {
    if (stop?.aborted) {
      done();
    }
    stop?.addEventListener("abort", () => done(), { once: true });
  });
  log.info(`stopping: ${String(stop?.reason ?? "asked to stop")}; finishing the requests in flight`);
  await server.stop();
}
