/** The port every NIM-operator resource here exposes its API on (the operator's default). */
export const apiServicePort = 8000;

/**
 * The in-cluster URL of a resource the NIM operator serves: the operator names the Service after the
 * resource, in the resource's namespace.
 */
export function inClusterServiceUrl(name: string, namespace: string, port: number = apiServicePort): string {
  return `http://${name}.${namespace}.svc.cluster.local:${port}`;
}

/**
 * Ports the NeMo microservices' pods listen on behind their Services (NIM operator v3.1.2: Data Store
 * serves Gitea's API on 3000, Evaluator on 7331, the others on the Service's port). A NetworkPolicy
 * matches the pod's port, not the Service's, so a policy allowing traffic to these services lists
 * these.
 */
export const nemoContainerPorts = { datastore: 3000, entitystore: apiServicePort, customizer: apiServicePort, evaluator: 7331, guardrail: apiServicePort } as const;
