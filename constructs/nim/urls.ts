/** The port every NIM-operator resource here exposes its API on (the operator's default). */
export const apiServicePort = 8000;

/**
 * The in-cluster URL of a resource the NIM operator serves: the operator names the Service after the
 * resource, in the resource's namespace.
 */
export function inClusterServiceUrl(name: string, namespace: string, port: number = apiServicePort): string {
  return `http://${name}.${namespace}.svc.cluster.local:${port}`;
}
