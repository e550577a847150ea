import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease, type HelmChartPin } from "../kubernetes/helm";
import { OperatorCrds } from "../kubernetes/operator-crds";

export interface NimOperatorArgs {
  readonly chart: HelmChartPin;
  /** Pinned URLs of the operator's CRDs at the chart's release. */
  readonly crdUrls: readonly string[];
  /** The operator image, pinned: the chart's default tag follows a release branch. */
  readonly image: { readonly repository: string; readonly tag: string };
  readonly namespace: pulumi.Input<string>;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly provider: k8s.Provider;
}

/**
 * NVIDIA's NIM operator: NIMCache, NIMService and the NeMo microservice kinds. Its CRDs are Pulumi
 * resources and its chart is installed without them, with the chart's CRD-upgrade hook off, so
 * exactly one tool owns the CRDs.
 */
export class NimOperator extends pulumi.ComponentResource {
  readonly crds: OperatorCrds;
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: NimOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:NimOperator", name, {}, opts);
    this.crds = new OperatorCrds(`${name}-crds`, { urls: args.crdUrls, provider: args.provider }, { parent: this });
    this.release = pinnedRelease(name, {
      chart: args.chart,
      releaseName: "nim-operator",
      namespace: args.namespace,
      skipCrds: true,
      values: {
        operator: {
          upgradeCRD: false,
          image: { repository: args.image.repository, tag: args.image.tag, pullPolicy: "IfNotPresent" },
          nodeSelector: args.nodeSelector,
          resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
          // Stated rather than inherited: a chart upgrade must not loosen them unnoticed.
          podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
          containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        },
      },
    }, { parent: this, provider: args.provider, dependsOn: [this.crds] });
    this.registerOutputs({});
  }

  /** What a custom resource of this operator must wait for, and be deleted before. */
  get dependencies(): pulumi.Resource[] {
    return [this.crds, this.release];
  }
}
