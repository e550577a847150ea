import { ExitCode, type ExitCodeValue, FlywheelError, messageOf, TransientError } from "../../errors";
import type { Output } from "../../cli/command";
import { printableLine } from "../../text/printable";
import { renderTable } from "../../text/table";
import { formatDuration } from "../../waits/poll-until";
import type { PlatformCheck, PlatformCheckContext } from "./platform-check";
import type { PlatformCheckResult } from "./platform-verify-contract";

export interface PlatformRunSettings {
  /** How long one group may take unless it says otherwise (`PlatformCheck.timeoutMs`). */
  readonly groupTimeoutMs: number;
  /** How many groups run at once: each opens connections of its own. */
  readonly concurrency: number;
}

/** One line of the checklist, with the group it came from and whether its failure may pass on a retry. */
export interface PlatformLine extends PlatformCheckResult {
  readonly group: string;
  /** The check could not reach what it checks (the API server did not answer): exit 75, not 5. */
  readonly transient: boolean;
}

/** The most of a detail printed: a service's message may be long. */
const detailLimit = 500;

/**
 * Runs the groups, at most `concurrency` at once, each within its time: a group that rejects or
 * runs out of time becomes a failed line naming it, and the others go on.
 */
export async function runPlatformChecks(checks: readonly PlatformCheck[], context: PlatformCheckContext, settings: PlatformRunSettings): Promise<PlatformLine[]> {
  const lines: PlatformLine[][] = checks.map(() => []);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < checks.length && !context.signal.aborted) {
      const index = next++;
      lines[index] = await runGroup(checks[index], context, settings.groupTimeoutMs);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.concurrency, checks.length)) }, worker));
  return lines.flat();
}

async function runGroup(check: PlatformCheck, context: PlatformCheckContext, defaultTimeoutMs: number): Promise<PlatformLine[]> {
  const timeoutMs = check.timeoutMs ?? defaultTimeoutMs;
  const controller = new AbortController();
  const stop = (): void => controller.abort(context.signal.reason);
  context.signal.addEventListener("abort", stop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const results = await Promise.race([
      check.run({ ...context, signal: controller.signal }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new TransientError(`did not finish within ${formatDuration(timeoutMs)}`);
          controller.abort(error);
          reject(error);
        }, timeoutMs);
      }),
    ]);
    return results.map((result) => ({ ...result, group: check.name, transient: result.troubleshooting === "kubernetes-unreachable" }));
  } catch (error) {
    const transient = error instanceof TransientError;
    const kind = error instanceof FlywheelError ? "" : "internal error: ";
    return [{ group: check.name, check: check.name, target: "(the group)", outcome: "fail", detail: `the group failed: ${kind}${messageOf(error)}`, transient }];
  } finally {
    clearTimeout(timer);
    context.signal.removeEventListener("abort", stop);
  }
}

/**
 * Prints the checklist and, for each failure, the troubleshooting entry that answers it. Exit 0
 * when nothing failed, 75 when every failure was the API server not answering (a retry may pass),
 * else 5.
 */
export function reportPlatformChecks(stack: string, lines: readonly PlatformLine[], stdout: Output, stderr: Output): ExitCodeValue {
  const shown = (text: string): string => {
    const line = printableLine(text);
    return line.length > detailLimit ? `${line.slice(0, detailLimit)}…` : line;
  };
  stdout.write(
    `${renderTable(
      ["group", "check", "target", "outcome", "detail"],
      lines.map((line) => [line.group, shown(line.check), shown(line.target), line.outcome, shown(line.detail)]),
      ["left", "left", "left", "left", "left"],
    )}\n`,
  );
  const failed = lines.filter((line) => line.outcome === "fail");
  for (const line of failed) {
    if (line.troubleshooting !== undefined) {
      stdout.write(`${shown(line.check)} ${shown(line.target)}: see README Troubleshooting → ${line.troubleshooting}\n`);
    }
  }
  if (failed.length === 0) {
    stdout.write(`stack ${stack}: all ${lines.length} checks passed or were skipped\n`);
    return ExitCode.ok;
  }
  const transient = failed.every((line) => line.transient);
  stderr.write(
    `flywheel: verify platform (stack ${stack}): ${failed.length} of ${lines.length} checks failed${transient ? ", each because the Kubernetes API did not answer: run it again" : ""}: ${[...new Set(failed.map((line) => line.group))].join(", ")}\n`,
  );
  return transient ? ExitCode.transient : ExitCode.verificationFailed;
}
