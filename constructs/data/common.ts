import { createHash } from "node:crypto";

/**
 * Prop types and validation shared by the data-service constructs. Every check throws an error that
 * names the construct, the prop and the offending value, so a bad stack config fails at synth time
 * with a message a user can act on instead of as a rejected object halfway through `pulumi up`.
 */

/** CPU and memory for one container. Both requests and limits are required: nothing here runs unbounded. */
export interface ComputeResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** A persistent volume claim: its size and the StorageClass that provisions it. */
export interface PersistentStorage {
  /** Requested capacity, a Kubernetes quantity such as `20Gi`. */
  readonly size: string;
  /**
   * StorageClass of the claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

/** A key of a Secret in the construct's namespace. Only the reference: the value stays with Pulumi. */
export interface SecretKeyReference {
  /** Name of the Secret. */
  readonly name: string;
  /**
   * Key inside the Secret.
   * @default "password"
   */
  readonly key?: string;
}

/** Builds the error every validation in this folder throws. */
export function invalidProp(construct: string, id: string, prop: string, value: unknown, expected: string): Error {
  return new Error(`${construct} "${id}": ${prop} ${expected} (got ${JSON.stringify(value)})`);
}

/** Names objects and labels: an RFC 1123 label (lowercase alphanumerics and '-', at most `maxLength`). */
export function requireDnsLabel(construct: string, id: string, prop: string, value: string, maxLength = 63): void {
  if (value.length === 0 || value.length > maxLength || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
    throw invalidProp(construct, id, prop, value, `must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most ${maxLength} characters`);
  }
}

/** An integer within [min, max]. */
export function requireInteger(construct: string, id: string, prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `between ${min} and ${max}`;
    throw invalidProp(construct, id, prop, value, `must be an integer ${range}`);
  }
}

// The quantity grammar of the Kubernetes API (the pattern its OpenAPI schema uses).
const quantityPattern = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** A Kubernetes resource quantity such as `500m`, `2Gi` or `1.5`. */
export function requireQuantity(construct: string, id: string, prop: string, value: string): void {
  if (!quantityPattern.test(value)) {
    throw invalidProp(construct, id, prop, value, "must be a Kubernetes quantity such as 500m, 2Gi or 20Gi");
  }
}

const byteMultipliers: Readonly<Record<string, number>> = {
  "": 1,
  k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Bytes of a memory quantity (`512Mi`, `2Gi`, `1G`); undefined for forms memory is never written in. */
export function memoryBytes(quantity: string): number | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(quantity);
  if (!match) return undefined;
  return Number(match[1]) * (byteMultipliers[match[2] ?? ""] ?? 1);
}

/** Validates every quantity of a container's resources, and that no request exceeds its limit. */
export function requireComputeResources(construct: string, id: string, prop: string, resources: ComputeResources): void {
  requireQuantity(construct, id, `${prop}.requests.cpu`, resources.requests.cpu);
  requireQuantity(construct, id, `${prop}.requests.memory`, resources.requests.memory);
  requireQuantity(construct, id, `${prop}.limits.cpu`, resources.limits.cpu);
  requireQuantity(construct, id, `${prop}.limits.memory`, resources.limits.memory);
  const requested = memoryBytes(resources.requests.memory);
  const limit = memoryBytes(resources.limits.memory);
  if (requested !== undefined && limit !== undefined && requested > limit) {
    throw invalidProp(construct, id, `${prop}.requests.memory`, resources.requests.memory, `must not exceed limits.memory (${resources.limits.memory})`);
  }
}

/** Validates a volume claim's size and StorageClass name. */
export function requireStorage(construct: string, id: string, prop: string, storage: PersistentStorage): void {
  requireQuantity(construct, id, `${prop}.size`, storage.size);
  if (storage.storageClassName !== undefined) {
    requireDnsSubdomain(construct, id, `${prop}.storageClassName`, storage.storageClassName);
  }
}

/** A Secret (or other object) name: an RFC 1123 subdomain. */
export function requireDnsSubdomain(construct: string, id: string, prop: string, value: string): void {
  if (value.length === 0 || value.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)) {
    throw invalidProp(construct, id, prop, value, "must be a Kubernetes object name (lowercase letters, digits, '-' and '.')");
  }
}

/** Validates a Secret reference and fills in the default key. */
export function resolveSecretKey(construct: string, id: string, prop: string, ref: SecretKeyReference): Required<SecretKeyReference> {
  requireDnsSubdomain(construct, id, `${prop}.name`, ref.name);
  const key = ref.key ?? "password";
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
    throw invalidProp(construct, id, `${prop}.key`, key, "must be a Secret key (letters, digits, '-', '_' and '.')");
  }
  return { name: ref.name, key };
}

/** Validates node selector labels (keys may carry a DNS prefix; values are labels of at most 63 characters). */
export function requireNodeSelector(construct: string, id: string, prop: string, selector: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(selector)) {
    if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key)) {
      throw invalidProp(construct, id, `${prop} key`, key, "must be a label key");
    }
    if (value !== "" && !/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(value)) {
      throw invalidProp(construct, id, `${prop}["${key}"]`, value, "must be a label value");
    }
  }
}

/** Labels every object of the data services carries. */
export function standardLabels(name: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/instance": name,
    "app.kubernetes.io/part-of": "data-flywheel",
  };
}

/** A short, stable digest of some content (a Job's script and spec, a config file). */
export function contentHash(content: unknown): string {
  return createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 10);
}
