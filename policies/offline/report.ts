import type { Review, Violation } from "./review";

/** What the report says the review was of. */
export interface ReviewSubject {
  readonly packName: string;
  readonly packVersion: string;
  readonly stack: string;
  readonly environment: string;
  /** The render directory, as the user would type it. */
  readonly dir: string;
  /** The policy pack config file, as the user would type it. */
  readonly configFile: string;
}

const levelOrder: Record<string, number> = { mandatory: 0, remediate: 1, advisory: 2 };

function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((line) => `${by}${line}`)
    .join("\n");
}

export function mandatoryCount(review: Review): number {
  return review.violations.filter((v) => v.enforcementLevel === "mandatory").length;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function describe(violation: Violation): string {
  const resource = violation.resource ? `${violation.resource.type}: ${violation.resource.name}` : "the stack";
  return [
    `- [${violation.enforcementLevel}]  ${violation.policyName}  (${resource})`,
    indent(violation.description, "  "),
    indent(violation.message, "  "),
  ].join("\n");
}

/**
 * The review as `pulumi preview --policy-pack` prints policy results: the pack, then each violation
 * (enforcement level, policy, resource type and name, description, message), grouped by policy
 * with mandatory ones first, then a summary line.
 */
export function formatReview(review: Review, subject: ReviewSubject): string {
  const sorted = [...review.violations].sort(
    (a, b) =>
      (levelOrder[a.enforcementLevel] ?? 3) - (levelOrder[b.enforcementLevel] ?? 3) ||
      a.policyName.localeCompare(b.policyName) ||
      (a.resource?.type ?? "").localeCompare(b.resource?.type ?? "") ||
      (a.resource?.name ?? "").localeCompare(b.resource?.name ?? ""),
  );
  const mandatory = mandatoryCount(review);
  const mark = mandatory > 0 ? "❌" : sorted.length > 0 ? "⚠️ " : "✅";
  const lines = [
    "Policies:",
    `    ${mark} ${subject.packName}@v${subject.packVersion} (offline review of ${subject.dir}, config ${subject.configFile})`,
    ...sorted.map((v) => indent(describe(v), "        ")),
    "",
  ];
  const policiesViolated = new Set(sorted.map((v) => v.policyName)).size;
  const found =
    sorted.length === 0
      ? "no violations"
      : `${count(mandatory, "mandatory violation")} and ${count(sorted.length - mandatory, "advisory violation")} of ${count(policiesViolated, "policy", "policies")}`;
  lines.push(
    `Stack ${subject.stack} (${subject.environment}): ${found}; ${count(review.policies, "policy", "policies")} checked ${count(review.resources, "resource")}.`,
  );
  return lines.join("\n");
}
