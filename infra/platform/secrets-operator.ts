import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { AwsSecretsManagerStore } from "../../constructs/secrets/aws-secrets-manager-store";
import { applyChart } from "../kubernetes/cdk8s-chart";
import { pinnedRelease, type HelmChartPin } from "../kubernetes/helm";
import { OperatorCrds } from "../kubernetes/operator-crds";

/**
 * Names of the External Secrets Operator's install, each declared once: the release (whose name is
 * also the Deployment's and its pods' `app.kubernetes.io/instance`), the controller's ServiceAccount
 * (which the Pod Identity association of `SecretsReaderIdentity` must name) and the store.
 */
export const secretsOperatorNaming = {
  release: "external-secrets",
  serviceAccount: "external-secrets",
  /**
   * The controller's pods' selector labels: the chart's name and the release (external-secrets 2.9.0
   * templates/_helpers.tpl:141-144, external-secrets.selectorLabels). The isolation table and the
   * PodMonitor select by them.
   */
  podLabels: { "app.kubernetes.io/name": "external-secrets", "app.kubernetes.io/instance": "external-secrets" },
  storeName: "aws-secrets-manager",
  /** The controller's metrics port, which the chart names `metrics` (templates/deployment.yaml) and the stack's PodMonitor scrapes. */
  metricsPort: { name: "metrics", port: 8080 },
} as const;

export interface SecretsOperatorArgs {
  readonly chart: HelmChartPin;
  /** Pinned URLs of the operator's CRDs at the chart's release. */
  readonly crdUrls: readonly string[];
  /** Namespace the controller runs in (`namespaces.externalSecrets`). */
  readonly namespace: string;
  /** Region of the secrets in AWS Secrets Manager. */
  readonly region: string;
  /** The only namespaces whose ExternalSecrets may use the store: those that receive a synced Secret. */
  readonly allowedNamespaces: readonly string[];
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly provider: k8s.Provider;
  /**
   * What must exist before the controller starts, besides what `opts.dependsOn` names (its
   * namespace): the Pod Identity association and policy of its ServiceAccount
   * (`SecretsReaderIdentity.ready`). EKS injects credentials only into pods created after the
   * association; a controller started before it reads nothing until its pod is replaced.
   * @default none
   */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/** The chart's values for this project's install; exported so a test can read them without a program. */
export function secretsOperatorValues(nodeSelector: Readonly<Record<string, string>>): Record<string, unknown> {
  return {
    // The CRDs are Pulumi resources (OperatorCrds), so ExternalSecrets can be previewed before the chart exists.
    installCRDs: false,
    // The webhook only validates ExternalSecrets and stores as they are admitted, and the cert
    // controller only keeps the webhook's certificate: off, the install is one pod, there is no
    // admission webhook the control plane must reach, and no conversion (the CRDs serve only v1).
    webhook: { create: false },
    certController: { create: false },
    // One fixed name: the Pod Identity association names it.
    serviceAccount: { create: true, name: secretsOperatorNaming.serviceAccount },
    rbac: {
      // With Pod Identity the controller never needs a token of another ServiceAccount; without
      // this it could mint one for any ServiceAccount in the cluster.
      serviceAccountTokenCreate: false,
      // Namespace editors and admins do not get to create ExternalSecrets: the stack creates them,
      // and an ExternalSecret in an allowed namespace may read any secret the controller's role reads.
      aggregateToEdit: false,
      aggregateToAdmin: false,
    },
    // A namespaced SecretStore without `auth` would read with the controller's own role from any
    // namespace, past the ClusterSecretStore's namespace conditions: the controller ignores them.
    processSecretStore: false,
    // Nothing is pushed to Secrets Manager (the role cannot write), and no cluster-wide ExternalSecret fans out.
    processPushSecret: false,
    processClusterPushSecret: false,
    processClusterExternalSecret: false,
    // A Ready pod has its informers synced: Helm's wait for the release means the controller works.
    livenessProbe: { enabled: true },
    readinessProbe: { enabled: true },
    // Stated: the PodMonitor and the isolation table's Prometheus row name this port.
    metrics: { listen: { port: secretsOperatorNaming.metricsPort.port } },
    nodeSelector,
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    // Stated rather than inherited: a chart upgrade must not loosen them unnoticed. The one
    // container's context carries every field Pod Security `restricted` asks for; the pod's is left
    // at the chart's `{enabled: true}`, which renders none (templates/deployment.yaml:55-60).
    securityContext: {
      enabled: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    },
  };
}

/**
 * The External Secrets Operator (chart without CRDs, which are Pulumi resources) and one
 * ClusterSecretStore for AWS Secrets Manager, usable only from the allowed namespaces. The
 * controller reads with the role of its ServiceAccount (EKS Pod Identity); the store has no
 * credentials of its own.
 */
export class SecretsOperator extends pulumi.ComponentResource {
  /** What an ExternalSecret's `spec.secretStoreRef.name` names (kind ClusterSecretStore). */
  readonly storeName: string = secretsOperatorNaming.storeName;
  /** What an ExternalSecret waits for, and is deleted before: the CRDs, the controller and the store. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: SecretsOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:SecretsOperator", name, {}, opts);
    // Built first: a bad region or namespace list fails before any resource is declared.
    const chart = new Chart(new App(), "secrets-store");
    new AwsSecretsManagerStore(chart, "store", { name: this.storeName, region: args.region, namespaces: args.allowedNamespaces });

    const crds = new OperatorCrds(`${name}-crds`, { urls: args.crdUrls, provider: args.provider }, { parent: this });
    const release = pinnedRelease(name, {
      chart: args.chart,
      releaseName: secretsOperatorNaming.release,
      namespace: args.namespace,
      values: secretsOperatorValues(args.nodeSelector),
    }, { parent: this, provider: args.provider, dependsOn: [crds, ...(args.dependsOn ?? [])] });
    const store = applyChart(`${name}-store`, chart, { parent: this, provider: args.provider, dependsOn: [crds, release] });

    this.ready = [crds, release, store];
    this.registerOutputs({});
  }
}
