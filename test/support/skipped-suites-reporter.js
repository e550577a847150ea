"use strict";
/**
 * A Jest reporter that ends the run with one line per suite skipped because something it needs is
 * missing (a program not on PATH, `describeWithProgram` in `needs-program.ts`; a reference document),
 * so a skip is never silent. It owns the title format, so the two cannot drift apart.
 */
const path = require("node:path");

const marker = " [skipped: ";

/** The title of a suite skipped for `reason`, which says what is missing and how to get it. */
function skippedTitle(title, reason) {
  return `${title}${marker}${reason}]`;
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
        process.stderr.write(`skipped ${count} test${count === 1 ? "" : "s"} of ${path.relative(this.rootDir, file.testFilePath)}: ${reason}\n`);
      }
    }
  }
}

module.exports = SkippedSuitesReporter;
module.exports.skippedTitle = skippedTitle;
module.exports.skipReason = skipReason;
