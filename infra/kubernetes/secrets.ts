import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

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
    /** @default none */
    readonly annotations?: Readonly<Record<string, string>>;
  },
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(name, {
    metadata: {
      name: args.name,
      namespace: args.namespace,
      labels: { "app.kubernetes.io/part-of": "data-flywheel" },
      ...(args.annotations ? { annotations: { ...args.annotations } } : {}),
    },
    type: args.type ?? "Opaque",
    stringData: pulumi.secret(args.stringData),
  }, opts);
}

/** The `.dockerconfigjson` of a registry login. */
export function dockerConfigJson(registry: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  return JSON.stringify({ auths: { [registry]: { username, password, auth } } });
}
