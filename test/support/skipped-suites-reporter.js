"use strict";
/**
 * A Jest reporter that ends the run with one line per suite skipped because a program it needs is
 * not on PATH (`describeWithProgram` in `needs-program.ts` titles such suites), so a skip is never
 * silent. It owns the title format, so the two cannot drift apart.
 */
const path = require("node:path");

const marker = " [skipped: ";

/** The title of a suite skipped for want of `command`; `install` says how to get it. */
function skippedTitle(title, command, install) {
  return `${title}${marker}${command} is not on PATH; install: ${install}]`;
}

/** The reason in a title `skippedTitle` made, or undefined. */
function skipReason(title) {
  const at = title.indexOf(marker);
  return at < 0 ? undefined : title.slice(at + marker.length, -1);
}

class SkippedSuitesReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    for (const file of results.testResults) {
      const reasons = new Map();
      for (const test of file.testResults) {
        const reason = test.status === "pending" ? skipReason(test.ancestorTitles[0] ?? "") : undefined;
        if (reason) {
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
      }
      for (const [reason, count] of reasons) {
        process.stderr.write(`skipped ${count} test${count === 1 ? "" : "s"} of ${path.relative(this.rootDir, file.testFilePath)}: ${reason} (with CI set they fail instead)\n`);
      }
    }
  }
}

module.exports = SkippedSuitesReporter;
module.exports.skippedTitle = skippedTitle;
module.exports.skipReason = skipReason;
