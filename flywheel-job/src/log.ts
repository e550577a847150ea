import type { Output } from "./cli/command";

/** Progress of a run, one timestamped line per event, for the job's log. */
export interface RunLog {
  info(message: string): void;
  warn(message: string): void;
}

export function streamLog(output: Output, now: () => Date = () => new Date()): RunLog {
  const line = (level: string, message: string): void => {
    output.write(`${now().toISOString()} ${level} ${message}\n`);
  };
  return { info: (message) => line("info ", message), warn: (message) => line("warn ", message) };
}
