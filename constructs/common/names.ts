import { fail } from "./errors";

/** The Kubernetes API's naming rules, for the names of objects and of the keys in their data. */

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

/**
 * Names that end up in a label (the `job-name` of a Job's pods, the owner's name on its PVCs) or
 * that objects derived from them extend: an RFC 1123 label, at most `maxLength` characters.
 */
export function validateLabelName(owner: string, prop: string, value: string, maxLength = 63): void {
  if (value.length > maxLength || !dns1123Label.test(value)) {
    fail(owner, `${prop} "${value}" must be a DNS-1123 label (lower-case letters, digits and '-', at most ${maxLength} characters)`);
  }
}

export function validateNamespace(owner: string, namespace: string): void {
  validateLabelName(owner, "namespace", namespace);
}

/** Names of Secrets, ConfigMaps, PVCs, StorageClasses and other objects a resource refers to. */
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
