import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { FlywheelNetworkPolicies } from "../../constructs/network/flywheel-network-policies";
import type { ClusterTarget } from "../cluster-target";
import { applyChart } from "../kubernetes/cdk8s-chart";
import type { HelmChartPin } from "../kubernetes/helm";
import { ngcSecretNames, ngcSecrets } from "../kubernetes/secrets";
import { DataOperators } from "./data-operators";
import { GpuOperator } from "./gpu-operator";
import { namespaces, PlatformNamespaces } from "./namespaces";
import { NemoDependencies } from "./nemo-dependencies";
import { NimOperator } from "./nim-operator";

/** Pinned versions the platform installs (stacks/config/versions.ts). */
export interface PlatformVersions {
  readonly charts: {
    readonly gpuOperator: HelmChartPin;
    readonly nimOperator: HelmChartPin;
    readonly nemoOperator: HelmChartPin;
    readonly eckOperator: HelmChartPin;
    readonly cloudnativePg: HelmChartPin;
    readonly volcano: HelmChartPin;
    readonly argoWorkflows: HelmChartPin;
    readonly milvus: HelmChartPin;
  };
  readonly crds: {
    readonly nimOperator: readonly string[];
    readonly eck: readonly string[];
    readonly cloudnativePg: readonly string[];
  };
  readonly images: {
    readonly nimOperator: { readonly repository: string; readonly tag: string };
    readonly volcano: string;
  };
}

export interface FlywheelPlatformArgs {
  readonly cluster: ClusterTarget;
  readonly versions: PlatformVersions;
  readonly gpuOperator: { readonly driver: boolean; readonly toolkit: boolean };
  readonly ngcApiKey: pulumi.Output<string>;
}

/** Ports of the data services the flywheel job reaches. */
export const dataServicePorts = { elasticsearch: 9200, mongodb: 27017, redis: 6379 } as const;
/** Port every NeMo microservice and NIM serves on. */
export const nemoServicePort = 8000;

/** Labels the network policies select the flywheel's pods by. */
export const flywheelPodLabels = {
  job: { "app.kubernetes.io/component": "flywheel-job" },
  candidateNim: { "app.kubernetes.io/component": "candidate-nim" },
} as const;

/**
 * Everything that runs on the cluster for the flywheel: GPU software, the NIM operator, data
 * services, NeMo microservices and their dependencies, wired and ordered so that one `pulumi up`
 * builds it on an empty cluster and `pulumi destroy` takes it down in reverse.
 */
export class FlywheelPlatform extends pulumi.ComponentResource {
  readonly namespaces: PlatformNamespaces;
  readonly nimOperator: NimOperator;

  constructor(name: string, args: FlywheelPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:FlywheelPlatform", name, {}, opts);
    const { cluster, versions } = args;
    const provider = cluster.provider;
    const child = { parent: this };

    this.namespaces = new PlatformNamespaces(`${name}-namespaces`, { provider, dependsOn: cluster.ready }, child);
    const inNamespace = (key: keyof typeof namespaces): pulumi.CustomResourceOptions => ({
      parent: this,
      provider,
      dependsOn: [this.namespaces.byKey[key]],
    });
    const afterNamespaces = { parent: this, dependsOn: Object.values(this.namespaces.byKey) };

    for (const key of ["nemo", "flywheel"] as const) {
      ngcSecrets(`${name}-${key}`, namespaces[key], args.ngcApiKey, inNamespace(key));
    }

    new GpuOperator(`${name}-gpu-operator`, {
      chart: versions.charts.gpuOperator,
      namespace: namespaces.gpuOperator,
      driver: args.gpuOperator.driver,
      toolkit: args.gpuOperator.toolkit,
      provider,
    }, afterNamespaces);

    this.nimOperator = new NimOperator(`${name}-nim-operator`, {
      chart: versions.charts.nimOperator,
      crdUrls: versions.crds.nimOperator,
      image: versions.images.nimOperator,
      namespace: namespaces.nimOperator,
      nodeSelector: cluster.systemNodeSelector,
      provider,
    }, afterNamespaces);

    new DataOperators(`${name}-data-operators`, {
      eck: { chart: versions.charts.eckOperator, crdUrls: versions.crds.eck },
      cloudnativePg: { chart: versions.charts.cloudnativePg, crdUrls: versions.crds.cloudnativePg },
      namespace: namespaces.dataOperators,
      elasticsearchNamespace: namespaces.data,
      nodeSelector: cluster.systemNodeSelector,
      provider,
    }, afterNamespaces);

    new NemoDependencies(`${name}-nemo-dependencies`, {
      charts: versions.charts,
      volcanoImageTag: versions.images.volcano,
      nemoNamespace: namespaces.nemo,
      volcanoNamespace: namespaces.volcano,
      storageClass: cluster.storage.storageClass,
      pullSecretName: ngcSecretNames.pullSecret,
      ngcApiKey: args.ngcApiKey,
      nodeSelector: cluster.systemNodeSelector,
      provider,
    }, afterNamespaces);

    const policies = new Chart(new App(), "flywheel-network-policies");
    new FlywheelNetworkPolicies(policies, "policies", {
      namespace: namespaces.flywheel,
      jobPodLabels: flywheelPodLabels.job,
      nimPodLabels: flywheelPodLabels.candidateNim,
      dataServices: { namespace: namespaces.data, ports: Object.values(dataServicePorts) },
      nemoServices: { namespace: namespaces.nemo, ports: [nemoServicePort] },
    });
    applyChart(`${name}-flywheel-network-policies`, policies, { ...inNamespace("flywheel"), provider });

    this.registerOutputs({});
  }
}
