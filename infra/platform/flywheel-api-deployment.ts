import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { FlywheelApi } from "../../constructs/flywheel/flywheel-api";
import { flywheelApiService, jobEnvironment } from "../../flywheel-job/src/contract";
import type { StackSettings } from "../../stacks/config/schema";
import { generatedPassword } from "../generated-password";
import { applyChart } from "../kubernetes/cdk8s-chart";
import { secret } from "../kubernetes/secrets";
import type { NemoUrls } from "./nemo-microservices";

/** The API's Deployment and Service, and the Secrets with its two bearer tokens, in the flywheel namespace. */
export const flywheelApiNaming = {
  name: flywheelApiService.serviceName,
  tokenSecrets: { read: "flywheel-api-read-token", operator: "flywheel-api-operator-token" },
  /** The key inside each token Secret. */
  tokenKey: "token",
} as const;

/** What the stack outputs of the API: where to call it and where its tokens are. */
export interface FlywheelApiEndpoints {
  /** The in-cluster base URL. */
  readonly url: string;
  /** `<namespace>/<name>` of the token Secrets (key `token`): read-only, and operator (also starts, cancels, deletes runs). */
  readonly tokenSecrets: { readonly read: string; readonly operator: string };
  /** `https://<host>`, when `flywheel.api.ingress` is set. */
  readonly ingressUrl?: string;
}

export interface FlywheelApiDeploymentArgs {
  readonly namespace: string;
  /** The job image, pinned by digest: the API is its `serve` command. */
  readonly image: string;
  /** `data-flywheel:flywheel.api`. */
  readonly settings: StackSettings["flywheel"]["api"];
  /** `data-flywheel:flywheel.startTimeoutMinutes`. */
  readonly startTimeoutMinutes: number;
  /** The Secret with `MONGODB_URL` (the flywheel Jobs' connections Secret); the API takes only that key. */
  readonly connectionsSecret: string;
  /** The ConfigMap key (in `namespace`) with the stack's CA, which signed MongoDB's certificate: the API verifies MongoDB against it. */
  readonly certificateAuthority: { readonly name: string; readonly key: string };
  /** Where deleting a run removes its datasets and adapters. */
  readonly nemo: NemoUrls;
  /** CPU nodes the API runs on. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** The namespace, the connections Secret, the CA's ConfigMap, MongoDB and the NetworkPolicies. */
  readonly dependsOn: readonly pulumi.Resource[];
  readonly provider: k8s.Provider;
}

/**
 * The Flywheel API of a stack: two tokens the stack generates and keeps in its state (each in a
 * Secret of its own, so a client can be given one without the other), and the `FlywheelApi`
 * Deployment, Service, identity and optional Ingress.
 */
export class FlywheelApiDeployment extends pulumi.ComponentResource {
  readonly endpoints: FlywheelApiEndpoints;

  constructor(name: string, args: FlywheelApiDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:platform:FlywheelApiDeployment", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider, dependsOn: [...args.dependsOn] };
    const tokenSecrets = (["read", "operator"] as const).map((role) =>
      secret(`${name}-${role}-token`, {
        name: flywheelApiNaming.tokenSecrets[role],
        namespace: args.namespace,
        stringData: { [flywheelApiNaming.tokenKey]: generatedPassword(`${name}-${role}-token`, this).result },
      }, k8sOpts),
    );

    const chart = new Chart(new App(), name);
    const api = new FlywheelApi(chart, "flywheel-api", {
      name: flywheelApiNaming.name,
      namespace: args.namespace,
      image: args.image,
      mongodbUrl: { name: args.connectionsSecret, key: jobEnvironment.MONGODB_URL },
      certificateAuthority: args.certificateAuthority,
      nemo: { dataStoreUrl: args.nemo.datastore, entityStoreUrl: args.nemo.entitystore },
      tokens: {
        read: { name: flywheelApiNaming.tokenSecrets.read, key: flywheelApiNaming.tokenKey },
        operator: { name: flywheelApiNaming.tokenSecrets.operator, key: flywheelApiNaming.tokenKey },
      },
      replicas: args.settings.replicas,
      startTimeoutMinutes: args.startTimeoutMinutes,
      ...(args.settings.resources ? { resources: args.settings.resources } : {}),
      nodeSelector: args.nodeSelector,
      ...(args.settings.ingress
        ? { ingress: { host: args.settings.ingress.host, tlsSecretName: args.settings.ingress.tlsSecretName, ...(args.settings.ingress.className ? { className: args.settings.ingress.className } : {}) } }
        : {}),
    });
    applyChart(name, chart, { ...k8sOpts, dependsOn: [...args.dependsOn, ...tokenSecrets] });
    this.endpoints = {
      url: api.url,
      tokenSecrets: {
        read: `${args.namespace}/${flywheelApiNaming.tokenSecrets.read}`,
        operator: `${args.namespace}/${flywheelApiNaming.tokenSecrets.operator}`,
      },
      ...(api.ingressUrl ? { ingressUrl: api.ingressUrl } : {}),
    };
    this.registerOutputs({ ...this.endpoints });
  }
}
