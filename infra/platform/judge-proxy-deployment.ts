import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { JudgeProxy } from "../../constructs/flywheel/judge-proxy";
import { inClusterServiceUrl } from "../../constructs/nim/urls";
import { jobEnvironment, judgeProxyService } from "../../flywheel-job/src/contract";
import { applyChart } from "../kubernetes/cdk8s-chart";
import type { CredentialSecrets } from "../kubernetes/credential-secrets";
import { credentialSecretLayouts } from "./external-credentials";
import type { ModelEndpoint } from "./flywheel-models";

/** The proxy's Service and Deployment, and the Secret with the judge's key, in the flywheel namespace. */
export const judgeProxyNaming = {
  name: judgeProxyService.serviceName,
  keySecret: credentialSecretLayouts.judgeProxyKey.name,
  /** The key inside it: the job's variable name, so the Secret reads as what it holds. */
  keySecretKey: jobEnvironment.JUDGE_API_KEY,
} as const;

/**
 * The judge as the flywheel's jobs and Evaluator's workflows reach it: a remote judge (one that needs
 * a key) through the judge proxy in `flywheelNamespace`, which holds the key, so neither the job nor
 * an evaluation job body carries it; a judge NIM of the stack directly. Pure, known before any
 * resource: the loader writes it into the job configurations, the platform gives the job no key for it.
 */
export function judgeEndpointForJobs(judge: ModelEndpoint, flywheelNamespace: string): ModelEndpoint {
  if (!judge.needsApiKey) {
    return judge;
  }
  return {
    baseUrl: `${inClusterServiceUrl(judgeProxyNaming.name, flywheelNamespace, judgeProxyService.port)}${judgeProxyService.apiBasePath}`,
    model: judge.model,
    needsApiKey: false,
  };
}

export interface JudgeProxyDeploymentArgs {
  readonly namespace: string;
  /** The remote judge the proxy forwards to. */
  readonly judge: ModelEndpoint;
  /** Where the judge's API key comes from (`judgeApiKey`, which the loader requires for a remote judge). */
  readonly credentials: CredentialSecrets;
  /** The job image, pinned by digest: the proxy is its `judge-proxy` command. */
  readonly image: string;
  /** CPU nodes the proxy runs on. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** The namespace it runs in, and its NetworkPolicies. */
  readonly dependsOn: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/**
 * The judge proxy of a stack whose judge is remote: the Secret with the judge's key (only the proxy
 * mounts it; the job's Secrets no longer hold it) and the `JudgeProxy` Deployment and Service.
 */
export class JudgeProxyDeployment extends pulumi.ComponentResource {
  /** The judge as the jobs and the evaluations call it: the proxy, without a key. */
  readonly endpoint: ModelEndpoint;

  constructor(name: string, args: JudgeProxyDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:JudgeProxyDeployment", name, {}, opts);
    if (!args.judge.needsApiKey) {
      throw new Error(`JudgeProxyDeployment ${name}: the judge at ${args.judge.baseUrl} needs no key; the jobs call it directly, without a proxy`);
    }
    if (!args.credentials.has("judgeApiKey")) {
      throw new Error(`JudgeProxyDeployment ${name}: the judge at ${args.judge.baseUrl} needs a key and none is set (data-flywheel:judgeApiKey)`);
    }
    const keySecret = args.credentials.write(`${name}-key`, "judgeProxyKey", args.namespace, { parent: this, dependsOn: [...args.dependsOn] });

    const chart = new Chart(new App(), name);
    new JudgeProxy(chart, "judge-proxy", {
      name: judgeProxyNaming.name,
      namespace: args.namespace,
      image: args.image,
      upstreamUrl: args.judge.baseUrl,
      apiKey: { name: judgeProxyNaming.keySecret, key: judgeProxyNaming.keySecretKey },
      nodeSelector: args.nodeSelector,
    });
    // The same URL the loader wrote into the job configurations (a test holds the two equal).
    this.endpoint = judgeEndpointForJobs(args.judge, args.namespace);
    applyChart(name, chart, { parent: this, provider: args.provider, dependsOn: [...args.dependsOn, ...keySecret] });
    this.registerOutputs({});
  }
}
