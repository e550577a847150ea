import * as pulumi from "@pulumi/pulumi";
import { isRecord, secretMarker } from "../policies/lib/values";

/** Where a value sits in a resource's inputs: property names and array indices. */
export type InputPath = readonly (string | number)[];

// The pack owns the marker: it reads renders, and must not import render/.
export { secretMarker };

/** How the Pulumi SDK marks a secret value when it hands inputs to mocks. */
const secretSignatureKey = "4dabf18193072939515e22adb298388d";
const secretSignature = "1b47061264138c4ac30d75fd1eb44270";

function isSecretWrapper(value: unknown): value is { value: unknown } {
  return isRecord(value) && value[secretSignatureKey] === secretSignature;
}

/** Every Output in a resource's arguments, with where it sits; Outputs are not looked into. */
export function outputsIn(value: unknown, path: InputPath = []): { path: InputPath; output: pulumi.Output<unknown> }[] {
  if (pulumi.Output.isInstance(value)) {
    return [{ path, output: value }];
  }
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => outputsIn(v, [...path, i]));
  }
  if (isRecord(value) && !pulumi.Resource.isInstance(value) && !(value instanceof Promise)) {
    return Object.entries(value).flatMap(([k, v]) => outputsIn(v, [...path, k]));
  }
  return [];
}

const startsWith = (path: InputPath, prefix: InputPath): boolean => prefix.every((part, i) => path[i] === part);
const samePath = (a: InputPath, b: InputPath): boolean => a.length === b.length && startsWith(a, b);

/** A whole secret value: a map of strings (a Secret's `stringData`) keeps its keys, so manifests keep their shape. */
function maskWhole(value: unknown): unknown {
  if (isRecord(value) && Object.values(value).every((v) => typeof v === "string")) {
    return Object.fromEntries(Object.keys(value).map((k) => [k, secretMarker]));
  }
  return secretMarker;
}

/**
 * Replaces secret values in inputs as mocks receive them with "[secret]". Mocks mark a whole top-level
 * input secret when any part of it is; where the program's arguments show which part (a secret
 * Output at a known path), only that part is masked, as a real preview would show it.
 */
export function maskSecrets(value: unknown, secretPaths: readonly InputPath[] = [], path: InputPath = []): unknown {
  if (isSecretWrapper(value)) {
    const inside = secretPaths.filter((p) => startsWith(p, path));
    if (inside.length === 0 || inside.some((p) => samePath(p, path))) {
      return maskWhole(value.value);
    }
    return maskSecrets(value.value, inside, path);
  }
  if (secretPaths.some((p) => samePath(p, path))) {
    return maskWhole(value);
  }
  if (Array.isArray(value)) {
    return value.map((v, i) => maskSecrets(v, secretPaths, [...path, i]));
  }
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, secretPaths, [...path, k])]));
  }
  return value;
}
