import { main } from "./cli/main";

/**
 * The `flywheel` executable. SIGINT and SIGTERM end the process with 128 + the signal number (as PID
 * 1 in a container, Node would otherwise ignore SIGTERM until the kubelet kills it), except while a
 * command that stops gracefully runs (`flywheel run`): then the first signal asks it to stop and
 * clean up within the pod's grace period, and a second one ends the process at once.
 */
const shutdown = new AbortController();
let graceful = false;
for (const [signal, number] of [["SIGINT", 2], ["SIGTERM", 15]] as const) {
  process.on(signal, () => {
    if (!graceful || shutdown.signal.aborted) {
      process.exit(128 + number);
    }
    shutdown.abort(signal);
  });
}

/** Ends the process once the command is done even if a client left a socket or timer open. */
function exitSoon(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 5000).unref();
}

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  shutdown: {
    signal: shutdown.signal,
    handleGracefully: () => {
      graceful = true;
    },
  },
}).then(exitSoon, (error: unknown) => {
  process.stderr.write(`flywheel: internal error: ${String(error)}\n`);
  exitSoon(1);
});
