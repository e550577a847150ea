import { fail } from "../common/errors";
import { validateNodeSelector } from "../common/labels";

/**
 * The labels of a monitor or rule: the ones its Prometheus selects by, then any of its own. The
 * selection labels come from the stack's one owner of them (`MonitorSelection`), so a monitor can
 * neither lack them nor override them.
 */
export function monitorObjectLabels(
  owner: string,
  monitorLabels: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>> = {},
): Record<string, string> {
  if (Object.keys(monitorLabels).length === 0) {
    fail(owner, "monitorLabels must name at least one label: without the one its Prometheus selects by, nothing scrapes it");
  }
  validateNodeSelector(owner, "monitorLabels", monitorLabels);
  validateNodeSelector(owner, "labels", labels);
  for (const key of Object.keys(labels).filter((k) => k in monitorLabels)) {
    fail(owner, `labels["${key}"] would override a label its Prometheus selects by (monitorLabels)`);
  }
  return { ...labels, ...monitorLabels };
}
