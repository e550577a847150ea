import { helmReleasePinned } from "../../policies/helm-release-pinned";
import { resourceViolations } from "../support/policy-review";
import { edit, helmRelease } from "../support/fixtures";

describe("helm-release-pinned", () => {
  it("passes a release with an exact version from a named repository", async () => {
    expect(await resourceViolations(helmReleasePinned, helmRelease())).toEqual([]);
    expect(await resourceViolations(helmReleasePinned, edit(helmRelease(), "props.version", "v25.10.1"))).toEqual([]);
  });

  it("catches a release without a version, or with a range", async () => {
    expect(await resourceViolations(helmReleasePinned, edit(helmRelease(), "props.version", undefined))).toEqual([
      'Helm release "flywheel-autoscaler" (chart cluster-autoscaler) has no version, so Helm installs whatever matches on the day. Fix: pin an exact chart version (stacks/config/versions.ts).',
    ]);
    for (const range of ["^9.59.0", "~9.59", "9.x", ">=9.0.0", "*"]) {
      expect(await resourceViolations(helmReleasePinned, edit(helmRelease(), "props.version", range))).toEqual([
        expect.stringContaining(`has the version constraint "${range}"`),
      ]);
    }
  });

  it("catches a release that names no repository", async () => {
    expect(await resourceViolations(helmReleasePinned, edit(helmRelease(), "props.repositoryOpts", undefined))).toEqual([
      expect.stringContaining("names no repository, so the chart resolves through whatever Helm repositories the deploying machine has configured"),
    ]);
    const oci = edit(edit(helmRelease(), "props.repositoryOpts", undefined), "props.chart", "oci://ghcr.io/example/charts/cluster-autoscaler");
    expect(await resourceViolations(helmReleasePinned, oci)).toEqual([]);
  });

  it("catches devel releases, and leaves charts from the repository itself alone", async () => {
    expect(await resourceViolations(helmReleasePinned, edit(helmRelease(), "props.devel", true))).toEqual([expect.stringContaining("sets devel: true")]);
    const local = edit(edit(helmRelease(), "props.chart", "./charts/flywheel"), "props.version", undefined);
    expect(await resourceViolations(helmReleasePinned, edit(local, "props.repositoryOpts", undefined))).toEqual([]);
  });

  it("checks helm.sh/v4 Charts the same way", async () => {
    const chart = { ...edit(helmRelease(), "props.version", undefined), type: "kubernetes:helm.sh/v4:Chart" };
    expect(await resourceViolations(helmReleasePinned, chart)).toEqual([expect.stringContaining("has no version")]);
  });
});
