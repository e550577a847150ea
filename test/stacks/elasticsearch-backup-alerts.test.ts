import type { RenderedStack } from "../../render/render-stack";
import { renderedStack, renderedVariant } from "../support/rendered-stacks";
import { editedStack } from "../support/stack-config";

let prod: RenderedStack;
let dev: RenderedStack;
let unsnapshotted: RenderedStack;

beforeAll(async () => {
  // One at a time: renders share the process's one Pulumi runtime.
  prod = await renderedStack("prod");
  dev = await renderedStack("dev");
  unsnapshotted = await renderedVariant("dev-without-snapshots", () =>
    editedStack("dev", (c) => ((c["data-flywheel:platform"] as { elasticsearch: { snapshots?: boolean } }).elasticsearch.snapshots = false)),
  );
});

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly labels: Record<string, string>;
}

function backupRules(stack: RenderedStack): Rule[] {
  const rule = stack.manifests.find((m) => m.kind === "PrometheusRule" && m.metadata.name === "flywheel-alerts");
  const groups = (rule?.spec as { groups: { rules: Rule[] }[] } | undefined)?.groups ?? [];
  return groups.flatMap((g) => g.rules).filter((r) => r.alert === "FlywheelBackupLate" && r.labels.store === "elasticsearch");
}

function exporterArgs(stack: RenderedStack): string[] {
  const exporter = stack.manifests.find((m) => m.kind === "Deployment" && m.metadata.name === "flywheel-logs-exporter");
  return (exporter?.spec as { template: { spec: { containers: { args: string[] }[] } } }).template.spec.containers[0].args;
}

describe("Elasticsearch's backup alert", () => {
  it("in prod, whose log store is snapshotted, watches the bootstrap Job's repository and SLM policy with the exporter's snapshot and SLM collectors", () => {
    expect(exporterArgs(prod)).toEqual(expect.arrayContaining(["--collector.snapshots", "--collector.slm"]));
    const rules = backupRules(prod);
    expect(rules.map((r) => r.labels.reason)).toEqual(["late", "failed"]);
    expect(rules[0].expr).toContain('repository="s3-snapshots"');
    expect(rules[1].expr).toContain('policy="flywheel-nightly"');
  });

  it("in dev, whose log store is snapshotted too, is the same alert", () => {
    expect(exporterArgs(dev)).toEqual(expect.arrayContaining(["--collector.snapshots", "--collector.slm"]));
    expect(backupRules(dev).map((r) => r.labels.reason)).toEqual(["late", "failed"]);
  });

  it("is absent where nothing is snapshotted (snapshots off), and the exporter reads no snapshots there", () => {
    expect(backupRules(unsnapshotted)).toEqual([]);
    expect(exporterArgs(unsnapshotted).filter((a) => a.startsWith("--collector."))).toEqual([]);
  });
});
