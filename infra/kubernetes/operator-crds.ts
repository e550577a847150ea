import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface OperatorCrdsArgs {
  /** Pinned URLs of the operator release's CRD manifests. */
  readonly urls: readonly string[];
  readonly provider: k8s.Provider;
}

/**
 * An operator's CRDs declared as Pulumi resources, so that the provider knows them when it previews
 * custom resources of those kinds on a cluster that does not have them yet. The operator's chart is
 * then installed without its CRDs, and custom resources depend on both.
 */
export class OperatorCrds extends pulumi.ComponentResource {
  readonly definitions: k8s.yaml.v2.ConfigGroup;

  constructor(name: string, args: OperatorCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:kubernetes:OperatorCrds", name, {}, opts);
    this.definitions = new k8s.yaml.v2.ConfigGroup(name, { files: [...args.urls] }, { parent: this, provider: args.provider });
    this.registerOutputs({});
  }
}
