/** What a kubeconfig for an EKS cluster needs. */
export interface KubeconfigInputs {
  readonly clusterName: string;
  readonly endpoint: string;
  /** Base64 PEM of the cluster CA, as EKS reports it. */
  readonly certificateAuthorityData: string;
  readonly region: string;
}

/**
 * A kubeconfig that authenticates with `aws eks get-token`, so it holds no credential of its own:
 * whoever uses it needs AWS credentials with an EKS access entry.
 */
export function eksKubeconfig(inputs: KubeconfigInputs): string {
  const name = inputs.clusterName;
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: inputs.endpoint, "certificate-authority-data": inputs.certificateAuthorityData } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
    users: [
      {
        name,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", name, "--region", inputs.region, "--output", "json"],
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}
