import { formatCount } from "../text/table";
import type { Output } from "./command";

/**
 * A progress line on stderr while a large file is read: redrawn in place at most every 200 ms on a
 * terminal, otherwise (a log file, CI) a plain line at most every 10 seconds so logs stay short.
 */
export class ReadProgress {
  private lastShown = 0;
  private shownOnTerminal = false;
  private readonly interval: number;

  constructor(
    private readonly stderr: Output,
    private readonly totalBytes: number,
    private readonly now: () => number = Date.now,
  ) {
    this.interval = stderr.isTTY ? 200 : 10_000;
    this.lastShown = now();
  }

  update(label: string, bytesRead: number): void {
    const now = this.now();
    if (now - this.lastShown < this.interval) {
      return;
    }
    this.lastShown = now;
    const percent = this.totalBytes > 0 ? Math.min(100, Math.floor((bytesRead / this.totalBytes) * 100)) : 100;
    const text = `${label}: ${percent}% (${formatCount(Math.round(bytesRead / 1e6))} of ${formatCount(Math.round(this.totalBytes / 1e6))} MB)`;
    if (this.stderr.isTTY) {
      this.stderr.write(`\r\x1b[2K${text}`);
      this.shownOnTerminal = true;
    } else {
      this.stderr.write(`${text}\n`);
    }
  }

  /** Clears the in-place line before other output. */
  done(): void {
    if (this.shownOnTerminal) {
      this.stderr.write("\r\x1b[2K");
      this.shownOnTerminal = false;
    }
  }
}
