import { main } from "./cli/main";

/**
 * The `flywheel` executable. SIGINT and SIGTERM end the process with 128 + the signal number: as
 * PID 1 in a container, Node would otherwise ignore SIGTERM until the kubelet kills it.
 */
for (const [signal, number] of [["SIGINT", 2], ["SIGTERM", 15]] as const) {
  process.once(signal, () => process.exit(128 + number));
}

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`flywheel: internal error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
