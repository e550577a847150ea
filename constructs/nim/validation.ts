/**
 * Checks shared by the NIM operator's custom resources. Each throws an Error whose message starts
 * with the resource it concerns (e.g. `NIMCache flywheel/llama-3-2-1b`) and names the prop and value,
 * so a bad stack config is caught at synth time instead of by the operator at reconcile time.
 */

/** `Kind namespace/name`, the prefix of every validation message. */
export function resourceLabel(kind: string, namespace: string, name: string): string {
  return `${kind} ${namespace}/${name}`;
}

/** Throws the readable error every check in this folder uses. */
export function fail(owner: string, message: string): never {
  throw new Error(`${owner}: ${message}`);
}

const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The operator names the Service after the resource, and a Service name must be an RFC 1035 label:
 * lower case, starting with a letter, at most 63 characters.
 */
export function validateServiceName(owner: string, name: string): void {
  if (name.length > 63 || !dns1035Label.test(name)) {
    fail(owner, `name "${name}" must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters): the operator names the Service after it`);
  }
}

/** Names of resources whose dependents (PVCs, Jobs) carry the name in a label: an RFC 1123 label. */
export function validateLabelName(owner: string, prop: string, value: string): void {
  if (value.length > 63 || !dns1123Label.test(value)) {
    fail(owner, `${prop} "${value}" must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)`);
  }
}

export function validateNamespace(owner: string, namespace: string): void {
  validateLabelName(owner, "namespace", namespace);
}

/** Names of Secrets, ConfigMaps, PVCs and other objects the resource refers to. */
export function validateObjectName(owner: string, prop: string, value: string): void {
  if (value.length > 253 || !dns1123Subdomain.test(value)) {
    fail(owner, `${prop} "${value}" is not a valid Kubernetes object name (DNS-1123 subdomain)`);
  }
}

/** Keys of Secrets and ConfigMaps. */
export function validateDataKey(owner: string, prop: string, value: string): void {
  if (!/^[-._a-zA-Z0-9]+$/.test(value) || value.length > 253) {
    fail(owner, `${prop} "${value}" is not a valid Secret key (letters, digits, '-', '_' and '.')`);
  }
}

/**
 * An http(s) URL without query or fragment; returns it without a trailing slash so callers can
 * append paths.
 */
export function validateHttpUrl(owner: string, prop: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(owner, `${prop} "${value}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    fail(owner, `${prop} "${value}" must be an http:// or https:// URL`);
  }
  if (url.search !== "" || url.hash !== "") {
    fail(owner, `${prop} "${value}" must not have a query or fragment`);
  }
  return value.replace(/\/+$/, "");
}

/**
 * The root of a service (scheme, host and port only). The constructs append the API paths
 * themselves, so a root that already carries one (e.g. `…/v1/hf`) would end up doubled.
 */
export function validateServiceRoot(owner: string, prop: string, value: string): string {
  const root = validateHttpUrl(owner, prop, value);
  if (new URL(root).pathname !== "/") {
    fail(owner, `${prop} "${value}" must be the service root (scheme, host and port, no path): the construct appends the API path itself`);
  }
  return root;
}

export function validateInteger(owner: string, prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `between ${min} and ${max}`;
    fail(owner, `${prop} must be an integer ${range}, got ${value}`);
  }
}

/**
 * The CRDs' rule `!(has(self.scale) && self.scale.enabled && has(self.replicas))`: with autoscaling
 * the autoscaler owns the replica count, so an explicit `replicas` is rejected by the API server.
 */
export function validateReplicasWithAutoscaling(owner: string, replicas: number | undefined, autoscaling: { readonly minReplicas: number; readonly maxReplicas: number } | undefined, minReplicas: number): void {
  if (replicas !== undefined && autoscaling !== undefined) {
    fail(owner, `replicas (${replicas}) cannot be set together with autoscaling: the CRD rejects spec.replicas when spec.scale.enabled is true; set autoscaling.minReplicas instead`);
  }
  if (replicas !== undefined) {
    validateInteger(owner, "replicas", replicas, minReplicas);
  }
  if (autoscaling !== undefined) {
    validateInteger(owner, "autoscaling.minReplicas", autoscaling.minReplicas, 1);
    validateInteger(owner, "autoscaling.maxReplicas", autoscaling.maxReplicas, autoscaling.minReplicas);
  }
}
