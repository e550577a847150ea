import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease, type HelmChartPin } from "../kubernetes/helm";
import { OperatorCrds } from "../kubernetes/operator-crds";

interface OperatorPin {
  readonly chart: HelmChartPin;
  /** Pinned URLs of the operator's CRDs at the chart's release. */
  readonly crdUrls: readonly string[];
}

export interface DataOperatorsArgs {
  readonly eck: OperatorPin;
  readonly cloudnativePg: OperatorPin;
  /** Namespace the operators run in. */
  readonly namespace: pulumi.Input<string>;
  /** The only namespace ECK manages (where Elasticsearch runs). */
  readonly elasticsearchNamespace: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly provider: k8s.Provider;
}

const operatorResources = { requests: { cpu: "100m", memory: "150Mi" }, limits: { cpu: "1", memory: "512Mi" } };

/**
 * The operators behind the data services: ECK for Elasticsearch and CloudNativePG for the NeMo
 * services' PostgreSQL. Each chart is installed without its CRDs, which are Pulumi resources here.
 */
export class DataOperators extends pulumi.ComponentResource {
  /** What an Elasticsearch resource waits for, and is deleted before. */
  readonly eck: pulumi.Resource[];
  /** What a CloudNativePG resource waits for, and is deleted before. */
  readonly cloudnativePg: pulumi.Resource[];

  constructor(name: string, args: DataOperatorsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:DataOperators", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };

    const eckCrds = new OperatorCrds(`${name}-eck-crds`, { urls: args.eck.crdUrls, provider: args.provider }, { parent: this });
    const eck = pinnedRelease(`${name}-eck`, {
      chart: args.eck.chart,
      releaseName: "eck-operator",
      namespace: args.namespace,
      values: {
        installCRDs: false,
        managedNamespaces: [args.elasticsearchNamespace],
        nodeSelector: args.nodeSelector,
        resources: operatorResources,
        telemetry: { disabled: true },
        // Stated rather than inherited: a chart upgrade must not loosen them unnoticed.
        podSecurityContext: { runAsNonRoot: true },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, runAsNonRoot: true },
      },
    }, { ...k8sOpts, dependsOn: [eckCrds] });

    const cnpgCrds = new OperatorCrds(`${name}-cnpg-crds`, { urls: args.cloudnativePg.crdUrls, provider: args.provider }, { parent: this });
    const cnpg = pinnedRelease(`${name}-cnpg`, {
      chart: args.cloudnativePg.chart,
      releaseName: "cloudnative-pg",
      namespace: args.namespace,
      values: {
        crds: { create: false },
        nodeSelector: args.nodeSelector,
        resources: operatorResources,
      },
    }, { ...k8sOpts, dependsOn: [cnpgCrds] });

    this.eck = [eckCrds, eck];
    this.cloudnativePg = [cnpgCrds, cnpg];
    this.registerOutputs({});
  }
}
