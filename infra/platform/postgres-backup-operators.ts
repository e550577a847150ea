import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease, type HelmChartPin } from "../kubernetes/helm";
import { OperatorCrds } from "../kubernetes/operator-crds";

/**
 * Names and ports of the PostgreSQL backup operators, each declared once: the isolation table and
 * the README name them.
 */
export const postgresBackupOperatorsNaming = {
  certManagerRelease: "cert-manager",
  pluginRelease: "plugin-barman-cloud",
  /**
   * The plugin's Service name and gRPC port: the chart's certificate names this Service, so it must
   * not change (plugin-barman-cloud 0.7.0 values.yaml `service`), and the CloudNativePG operator
   * dials it over mTLS.
   */
  pluginService: { name: "barman-cloud", port: 9090 },
  /** cert-manager's webhook listens here (chart v1.21.1 values.yaml `webhook.securePort`); the control plane calls it. */
  certManagerWebhookPort: 10250,
  /**
   * Pod labels of cert-manager's components: `app.kubernetes.io/name` and `instance` per component
   * (cert-manager v1.21.1 templates/_helpers.tpl, `*.selectorLabels`).
   */
  certManagerPodLabels: {
    controller: { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": "controller" },
    webhook: { "app.kubernetes.io/name": "webhook", "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": "webhook" },
    cainjector: { "app.kubernetes.io/name": "cainjector", "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": "cainjector" },
  },
  /** The plugin's pods (plugin-barman-cloud 0.7.0 templates/_helpers.tpl, selectorLabels). */
  pluginPodLabels: { "app.kubernetes.io/name": "plugin-barman-cloud", "app.kubernetes.io/instance": "plugin-barman-cloud" },
} as const;

interface OperatorPin {
  readonly chart: HelmChartPin;
  /** Pinned URLs of the operator's CRDs at the chart's release. */
  readonly crdUrls: readonly string[];
}

export interface PostgresBackupOperatorsArgs {
  readonly certManager: OperatorPin;
  readonly barmanCloudPlugin: OperatorPin;
  /** Namespace cert-manager runs in. */
  readonly certManagerNamespace: string;
  /**
   * The CloudNativePG operator's namespace (`namespaces.dataOperators`): the plugin must run beside
   * the operator, which discovers it there by its Service's labels and annotations.
   */
  readonly operatorNamespace: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly provider: k8s.Provider;
  /** The CloudNativePG operator and its CRDs (`DataOperators.cloudnativePg`): the plugin registers with it. */
  readonly cloudnativePg: readonly pulumi.Resource[];
}

const resources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
// Every field Pod Security `restricted` asks for, stated rather than inherited from the chart: an
// upgrade must not loosen them unnoticed (podSecurityLevels names this).
const podSecurityContext = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
const containerSecurityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true };

/** cert-manager's values for this project's install; exported so a test can read them without a program. */
export function certManagerValues(nodeSelector: Readonly<Record<string, string>>): Record<string, unknown> {
  // The chart's default nodeSelector is `kubernetes.io/os: linux`, which values would merge into, not
  // replace: the system nodes are required by node affinity instead (its default is empty).
  const affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: Object.entries(nodeSelector).map(([key, value]) => ({ key, operator: "In", values: [value] })) }],
      },
    },
  };
  const placement = Object.keys(nodeSelector).length > 0 ? { affinity } : {};
  const component = { ...placement, resources, securityContext: podSecurityContext, containerSecurityContext };
  return {
    // The CRDs are Pulumi resources (OperatorCrds).
    installCRDs: false,
    crds: { enabled: false },
    ...component,
    webhook: { ...component, securePort: postgresBackupOperatorsNaming.certManagerWebhookPort },
    cainjector: component,
    // The post-install check waits until the webhook admits a Certificate: the plugin's chart, which
    // creates its Issuer and Certificates, installs only after cert-manager really works.
    startupapicheck: { enabled: true, ...placement, securityContext: podSecurityContext, containerSecurityContext },
    // Only the plugin's self-signed Issuer is used: no ACME solver ever runs, no Prometheus scrape is set up.
    prometheus: { enabled: false },
  };
}

/** The barman-cloud plugin's values; exported so a test can read them without a program. */
export function barmanCloudPluginValues(nodeSelector: Readonly<Record<string, string>>): Record<string, unknown> {
  return {
    crds: { create: false },
    nodeSelector,
    resources,
    service: { name: postgresBackupOperatorsNaming.pluginService.name, port: postgresBackupOperatorsNaming.pluginService.port },
    podSecurityContext,
    containerSecurityContext: { ...containerSecurityContext, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
  };
}

/**
 * What PostgreSQL backups through CloudNativePG need besides the operator: cert-manager (the
 * plugin's and the operator's gRPC certificates) and the barman-cloud CNPG-I plugin, beside the
 * operator. Each chart is installed without its CRDs, which are Pulumi resources here. Installed
 * only when PostgreSQL backups are on.
 */
export class PostgresBackupOperators extends pulumi.ComponentResource {
  /** What an ObjectStore, or a Cluster naming the plugin, waits for and is deleted before. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: PostgresBackupOperatorsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:PostgresBackupOperators", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };

    const certManagerCrds = new OperatorCrds(`${name}-cert-manager-crds`, { urls: args.certManager.crdUrls, provider: args.provider }, { parent: this });
    const certManager = pinnedRelease(`${name}-cert-manager`, {
      chart: args.certManager.chart,
      releaseName: postgresBackupOperatorsNaming.certManagerRelease,
      namespace: args.certManagerNamespace,
      values: certManagerValues(args.nodeSelector),
    }, { ...k8sOpts, dependsOn: [certManagerCrds] });

    const pluginCrds = new OperatorCrds(`${name}-barman-cloud-crds`, { urls: args.barmanCloudPlugin.crdUrls, provider: args.provider }, { parent: this });
    const plugin = pinnedRelease(`${name}-barman-cloud`, {
      chart: args.barmanCloudPlugin.chart,
      releaseName: postgresBackupOperatorsNaming.pluginRelease,
      namespace: args.operatorNamespace,
      values: barmanCloudPluginValues(args.nodeSelector),
    }, { ...k8sOpts, dependsOn: [pluginCrds, certManager, ...args.cloudnativePg] });

    this.ready = [certManagerCrds, certManager, pluginCrds, plugin];
    this.registerOutputs({});
  }
}
