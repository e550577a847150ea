/** A kubeconfig that points at a Kubernetes stand-in at `url` (plain HTTP, so TLS verification is off), in `namespace`. */
export function standInKubeconfig(url: string, namespace: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: stand-in\n  cluster:\n    server: ${url}\n    insecure-skip-tls-verify: true`,
    "users:",
    "- name: stand-in\n  user:\n    token: stand-in-token",
    "contexts:",
    `- name: stand-in\n  context:\n    cluster: stand-in\n    user: stand-in\n    namespace: ${namespace}`,
    "current-context: stand-in",
    "",
  ].join("\n");
}
