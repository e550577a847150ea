import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease, type HelmChartPin } from "../kubernetes/helm";
import { ngcLogin } from "./external-credentials";
import { volcanoSchedulerConfig } from "./volcano-scheduler-config";

export interface NemoDependenciesArgs {
  readonly charts: {
    readonly volcano: HelmChartPin;
    readonly argoWorkflows: HelmChartPin;
    readonly milvus: HelmChartPin;
    readonly nemoOperator: HelmChartPin;
  };
  /** Volcano's image tag; the chart's default tag is `latest`. */
  readonly volcanoImageTag: string;
  /** Namespace of the NeMo microservices (Argo runs their evaluation workflows here). */
  readonly nemoNamespace: string;
  readonly volcanoNamespace: pulumi.Input<string>;
  /** StorageClass for Milvus's volume; the cluster default when undefined. */
  readonly storageClass?: string;
  /** nvcr.io pull Secret in the NeMo namespace. */
  readonly pullSecretName: string;
  /** Reads NGC's private NeMo chart repository. */
  readonly ngcApiKey: pulumi.Output<string>;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly provider: k8s.Provider;
}

/** Names other components wire to. */
export const nemoDependencyEndpoints = {
  /** Argo Workflows server (TLS, self-signed) that NeMo Evaluator submits workflows to. */
  argoServer: (namespace: string): string => `https://argo-workflows-server.${namespace}.svc.cluster.local:2746`,
  /** Service account Evaluator's workflows run as (created with its Role by the Argo chart). */
  argoExecutorServiceAccount: "argo-workflows-executor",
  /** Milvus, the vector database Evaluator requires. */
  milvus: (namespace: string): string => `http://milvus.${namespace}.svc.cluster.local:19530`,
} as const;

/**
 * What NeMo Customizer and Evaluator need besides their databases: Volcano and the NeMo operator to
 * run training jobs, Argo Workflows to run evaluations, and Milvus.
 */
export class NemoDependencies extends pulumi.ComponentResource {
  /** What NeMo microservices wait for, and are deleted before. */
  readonly releases: pulumi.Resource[];

  constructor(name: string, args: NemoDependenciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:NemoDependencies", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const small = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } };

    const volcano = pinnedRelease(`${name}-volcano`, {
      chart: args.charts.volcano,
      releaseName: "volcano",
      namespace: args.volcanoNamespace,
      values: {
        basic: { image_tag_version: args.volcanoImageTag },
        custom: {
          scheduler_config_override: volcanoSchedulerConfig,
          default_ns: args.nodeSelector,
          scheduler_resources: small,
          controller_resources: small,
          admission_resources: small,
        },
      },
    }, k8sOpts);

    const argo = pinnedRelease(`${name}-argo`, {
      chart: args.charts.argoWorkflows,
      releaseName: "argo-workflows",
      namespace: args.nemoNamespace,
      values: {
        // Minimal CRDs rendered by the chart; the full ones come from a hook Job that downloads them
        // from GitHub at install time.
        crds: { install: true, full: false },
        // Workflows only in the NeMo namespace, with a namespaced Role: Evaluator calls the server
        // without a client token, so what the server may do is what any caller may do.
        singleNamespace: true,
        // No node selector: the chart's default one (Linux) stays, and the GPU taint keeps these off GPU nodes.
        controller: {
          resources: small,
          // Evaluation images come from nvcr.io.
          workflowDefaults: { spec: { imagePullSecrets: [{ name: args.pullSecretName }] } },
        },
        server: { secure: true, authModes: ["server"], resources: small },
        // Evaluator's workflows run as this service account (NemoEvaluator spec.argoWorkflows.serviceAccount).
        // Its Role is the chart's (templates/controller/workflow-role.yaml): `workflowtaskresults`
        // create and patch, exactly what Argo's executor needs (Argo v4 docs/workflow-rbac.md), and
        // nothing else while the switches below stay off, stated rather than inherited. No token
        // Secret either: it would be one more Secret in the namespace for a Workflow to mount.
        workflow: {
          serviceAccount: {
            create: true,
            name: nemoDependencyEndpoints.argoExecutorServiceAccount,
            createSecret: false,
            pullSecrets: [{ name: args.pullSecretName }],
          },
          rbac: { create: true, agentPermissions: false, artifactGC: false, serviceAccounts: [], rules: [] },
        },
      },
    }, k8sOpts);

    const milvus = pinnedRelease(`${name}-milvus`, {
      chart: args.charts.milvus,
      releaseName: "milvus",
      namespace: args.nemoNamespace,
      values: {
        fullnameOverride: "milvus",
        // Standalone with embedded etcd and local storage: Evaluator's retriever benchmarks only.
        cluster: { enabled: false },
        etcd: { enabled: false },
        pulsar: { enabled: false },
        pulsarv3: { enabled: false },
        minio: { enabled: false },
        standalone: {
          persistence: { enabled: true, persistentVolumeClaim: { size: "20Gi", ...(args.storageClass ? { storageClass: args.storageClass } : {}) } },
          nodeSelector: args.nodeSelector,
          resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
        },
        extraConfigFiles: {
          "user.yaml": "etcd:\n  use:\n    embed: true\n  data:\n    dir: /var/lib/milvus/etcd\ncommon:\n  storageType: local\n",
        },
      },
    }, k8sOpts);

    const nemoOperator = pinnedRelease(`${name}-nemo-operator`, {
      chart: args.charts.nemoOperator,
      releaseName: "nemo-operator",
      namespace: args.nemoNamespace,
      repositoryLogin: { username: ngcLogin.username, password: args.ngcApiKey },
      values: {
        imagePullSecrets: [{ name: args.pullSecretName }],
        controllerManager: {
          manager: { scheduler: "volcano" },
          // The chart's default sidecar image lived on gcr.io/kubebuilder, which is gone; this is the
          // same proxy from its own project.
          kubeRbacProxy: { image: { repository: "quay.io/brancz/kube-rbac-proxy", tag: "v0.15.0" } },
        },
      },
    }, { ...k8sOpts, dependsOn: [volcano] });

    this.releases = [volcano, argo, milvus, nemoOperator];
    this.registerOutputs({});
  }
}
