import type { ResourceValidationPolicy } from "@pulumi/policy";
import { chartName, helmReleaseOf } from "../lib/helm";

/** An exact SemVer version, as Helm publishes charts: `9.59.0`, `v25.10.1`, `1.0.0-rc.1`. */
const exactVersion = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** A chart from the repository itself: versioned with the code that uses it. */
const localChart = /^(\.{1,2}\/|\/)/;

/**
 * Helm resolves an unpinned version, or a chart name without a repository, to whatever the
 * repositories offer on the day of the deployment.
 */
export const helmReleasePinned: ResourceValidationPolicy = {
  name: "helm-release-pinned",
  description:
    "Every Helm release pins an exact chart version and names its repository (repositoryOpts.repo or an oci:// chart). " +
    "Mandatory: otherwise each deployment may install a different chart.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Declare releases with pinnedRelease (infra/kubernetes/helm.ts) and a HelmChartPin from stacks/config/versions.ts.",
  validateResource: (args, reportViolation) => {
    const release = helmReleaseOf(args.type, args.props);
    const chart = release?.chart ?? "";
    if (!release || localChart.test(chart)) {
      return;
    }
    const name = `Helm release "${args.name}" (chart ${chartName(chart) || "unset"})`;
    if (!release.version || !exactVersion.test(release.version)) {
      reportViolation(
        `${name} ${release.version ? `has the version constraint "${release.version}"` : "has no version"}, so Helm installs whatever matches on the day. ` +
          "Fix: pin an exact chart version (stacks/config/versions.ts).",
      );
    }
    if (release.devel === true) {
      reportViolation(`${name} sets devel: true, which lets Helm pick pre-release charts. Fix: remove devel.`);
    }
    if (!release.repositoryOpts?.repo && !chart.startsWith("oci://")) {
      reportViolation(
        `${name} names no repository, so the chart resolves through whatever Helm repositories the deploying machine has configured. ` +
          "Fix: set repositoryOpts.repo (or use an oci:// chart reference).",
      );
    }
  },
};
