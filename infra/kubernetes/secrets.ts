import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ngcSecretNames } from "../../flywheel-job/src/contract";

/**
 * A Secret whose values are Pulumi secrets. Secrets are the one kind of object this project does not
 * render through cdk8s: their values exist only as Pulumi secret outputs, and everything else refers
 * to them by name.
 */
export function secret(
  name: string,
  args: {
    readonly name: string;
    readonly namespace: string;
    readonly type?: string;
    readonly stringData: pulumi.Input<Record<string, pulumi.Input<string>>>;
  },
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(name, {
    metadata: { name: args.name, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": "data-flywheel" } },
    type: args.type ?? "Opaque",
    stringData: pulumi.secret(args.stringData),
  }, opts);
}

/** The `.dockerconfigjson` of a registry login. */
export function dockerConfigJson(registry: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  return JSON.stringify({ auths: { [registry]: { username, password, auth } } });
}

/** Which of the NGC Secrets a namespace gets. */
export interface NgcSecretsOptions {
  /**
   * The API key Secret too, not only the pull Secret: only where a pod reads it (every Secret of a
   * namespace is one more that any pod allowed to create pods there can mount).
   * @default true
   */
  readonly apiKey?: boolean;
}

/** The NGC API key Secret and the nvcr.io pull Secret in one namespace, by the names of the job's contract. */
export function ngcSecrets(
  name: string,
  namespace: string,
  ngcApiKey: pulumi.Output<string>,
  opts: pulumi.CustomResourceOptions,
  options: NgcSecretsOptions = {},
): k8s.core.v1.Secret[] {
  return [
    ...(options.apiKey ?? true ? [secret(`${name}-ngc-api`, { name: ngcSecretNames.apiKey, namespace, stringData: { NGC_API_KEY: ngcApiKey } }, opts)] : []),
    secret(`${name}-nvcr-pull`, {
      name: ngcSecretNames.pullSecret,
      namespace,
      type: "kubernetes.io/dockerconfigjson",
      // NGC's registry login is the literal user `$oauthtoken` with the API key as password.
      stringData: { ".dockerconfigjson": ngcApiKey.apply((key) => dockerConfigJson("nvcr.io", "$oauthtoken", key)) },
    }, opts),
  ];
}
