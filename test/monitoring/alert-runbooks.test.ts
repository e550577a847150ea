import * as fs from "node:fs";
import * as path from "node:path";
import { alertRunbookAnchors } from "../../constructs/monitoring";

const readme = fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8");

/** GitHub's anchor of a heading: lowercased, punctuation dropped, each space a '-'. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/ /g, "-");
}

/** The headings of the README's "Alerts and runbooks" section, up to the next heading of its level or above. */
function runbookHeadings(): string[] {
  const lines = readme.split("\n");
  const start = lines.findIndex((line) => /^#{1,6} Alerts and runbooks$/.test(line));
  expect(start).toBeGreaterThanOrEqual(0);
  const level = (lines[start] ?? "").indexOf(" ");
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^#+ /.test(line) && line.indexOf(" ") <= level);
  return (end < 0 ? rest : rest.slice(0, end)).flatMap((line) => {
    const match = /^#+ (.+)$/.exec(line);
    return match?.[1] === undefined ? [] : [match[1]];
  });
}

describe("the README's runbooks", () => {
  test("slugs headings as GitHub does", () => {
    expect(slug("Alerts and runbooks")).toBe("alerts-and-runbooks");
    expect(slug("The Flywheel API (`flywheel serve`)")).toBe("the-flywheel-api-flywheel-serve");
  });

  test.each(Object.entries(alertRunbookAnchors))("%s's runbook_url anchor #%s is a heading of 'Alerts and runbooks'", (alert, anchor) => {
    const headings = runbookHeadings();
    expect(headings.map(slug)).toContain(anchor);
    // The entry names the alert it is for.
    expect(headings).toContain(alert);
  });
});
