import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { credentialSecretLayouts, type CredentialSecretLayout, emptyCredentialKeysAnnotation } from "../../infra/platform/external-credentials";
import { policyConfig } from "../lib/config";
import { describeObject, isKind, kubernetesObjectsIn, namespaceOf } from "../lib/kubernetes";
import type { KubernetesObject } from "../lib/kubernetes-object";
import { arrayOf, isRecord, secretMarker, valueAt } from "../lib/values";

export interface ExternalCredentialsFromSecretsManagerConfig {
  /** Secrets the stack writes must not carry external credentials: those come from AWS Secrets Manager. */
  readonly requireSecretsManager: boolean;
}

export const externalCredentialsFromSecretsManagerDefaults: ExternalCredentialsFromSecretsManagerConfig = { requireSecretsManager: true };

/** The one AWS service of a ClusterSecretStore that holds the stack's external credentials. */
const secretsManagerService = "SecretsManager";

const sourceFix = "set data-flywheel:secrets.source: aws-secrets-manager and name its secret under data-flywheel:secrets.names";

const layouts: readonly CredentialSecretLayout[] = Object.values(credentialSecretLayouts);

/** The parts of an ExternalSecret's spec this policy reads. */
interface ExternalSecretSpec {
  readonly secretStoreRef?: { readonly kind?: string; readonly name?: string };
  readonly target?: {
    readonly name?: string;
    readonly creationPolicy?: string;
    readonly template?: { readonly type?: string; readonly mergePolicy?: string; readonly data?: Readonly<Record<string, unknown>>; readonly templateFrom?: readonly unknown[] };
  };
  readonly data?: readonly { readonly secretKey?: string }[];
  readonly dataFrom?: readonly unknown[];
}

/** The keys a Secret object carries, in `data` and `stringData`, with their values. */
function secretEntries(secret: KubernetesObject): [string, unknown][] {
  return [secret.data, secret.stringData].flatMap((field) => (isRecord(field) ? Object.entries(field) : []));
}

/** The keys a Secret says it holds empty on purpose (a credential the stack does not have, whose reader needs the key). */
function emptyOnPurpose(secret: KubernetesObject): string[] {
  return (secret.metadata.annotations?.[emptyCredentialKeysAnnotation] ?? "").split(",").map((k) => k.trim()).filter(Boolean);
}

/** True when a value is, or may be (masked in a render), empty. */
function emptyOrMasked(value: unknown): boolean {
  return value === "" || value === null || value === undefined || value === secretMarker;
}

/**
 * The keys an ExternalSecret writes that can be read before deploy, and where others come from
 * (`dataFrom`, `templateFrom`: only the synchronised secret or a ConfigMap knows their keys). As the
 * operator builds the Secret: a template with data or templateFrom replaces the synchronised keys
 * (mergePolicy Replace, the default) or adds to them (Merge); a template without either keeps them.
 */
function keysWritten(spec: ExternalSecretSpec): { readonly keys: ReadonlySet<string>; readonly unread: readonly string[] } {
  const synchronised = arrayOf(spec.data).flatMap((d) => (typeof d.secretKey === "string" ? [d.secretKey] : []));
  const template = spec.target?.template;
  const templated = Object.keys(isRecord(template?.data) ? template.data : {});
  const templateFrom = arrayOf(template?.templateFrom).length > 0;
  if (templated.length === 0 && !templateFrom) {
    return { keys: new Set(synchronised), unread: arrayOf(spec.dataFrom).length > 0 ? ["spec.dataFrom"] : [] };
  }
  const merged = template?.mergePolicy === "Merge";
  const keys = new Set([...templated, ...(merged ? synchronised : [])]);
  const unread = [...(templateFrom ? ["spec.target.template.templateFrom"] : []), ...(merged && arrayOf(spec.dataFrom).length > 0 ? ["spec.dataFrom"] : [])];
  return { keys, unread };
}

/**
 * Why an ExternalSecret's store is not the stack's AWS Secrets Manager, or undefined when it is. An
 * offline review of a render edited by hand may hold two versions of a store: either may fail.
 */
function storeProblem(spec: ExternalSecretSpec, stores: readonly KubernetesObject[]): string | undefined {
  const kind = spec.secretStoreRef?.kind ?? "SecretStore";
  const name = spec.secretStoreRef?.name ?? "(unnamed)";
  if (kind !== "ClusterSecretStore") {
    return `reads from ${kind} ${name}${spec.secretStoreRef?.kind ? "" : " (spec.secretStoreRef.kind defaults to SecretStore)"}, not from a ClusterSecretStore`;
  }
  const versions = stores.filter((store) => store.metadata.name === name);
  if (versions.length === 0) {
    return `reads from ClusterSecretStore ${name}, which the stack does not declare`;
  }
  for (const store of versions) {
    const provider = valueAt(store, "spec.provider");
    const service = valueAt(provider, "aws.service");
    if (service !== secretsManagerService) {
      const actual = typeof service === "string" ? `AWS ${service}` : `provider ${isRecord(provider) ? Object.keys(provider).join(", ") || "(none)" : "(none)"}`;
      return `reads from ClusterSecretStore ${name}, whose ${actual} is not AWS Secrets Manager`;
    }
  }
  return undefined;
}

/**
 * What is wrong with who writes the target Secret, given whether the stack declares it in the
 * ExternalSecret's namespace, with the fix; undefined when it works: the operator creates a Secret
 * the stack does not write (Owner, Orphan), merges into one Pulumi writes with the generated keys
 * (Merge), or does whichever applies (CreateOrMerge).
 */
function ownershipProblem(spec: ExternalSecretSpec, target: string, declared: boolean): string | undefined {
  const policy = spec.target?.creationPolicy ?? "Owner";
  if (policy === "None") {
    return `never writes Secret ${target} (spec.target.creationPolicy None). Fix: set spec.target.creationPolicy: ${declared ? "Merge" : "Owner"}.`;
  }
  if (policy === "Merge" && !declared) {
    return `merges into Secret ${target}, which the stack does not declare in its namespace, so the operator never writes it. Fix: set spec.target.creationPolicy: Owner.`;
  }
  if ((policy === "Owner" || policy === "Orphan") && declared) {
    return `creates Secret ${target} (spec.target.creationPolicy ${policy}), which the stack also declares, so Pulumi and the operator would overwrite each other. Fix: set spec.target.creationPolicy: Merge, with only the generated keys in the stack's Secret.`;
  }
  return undefined;
}

/**
 * Credentials someone outside the stack issues (the NGC key, the remote judge's and embedding keys,
 * W&B) are read from AWS Secrets Manager in production, not from Pulumi config: there they can be
 * rotated without a `pulumi up`, read by an identity allowed only those secrets, and audited by
 * CloudTrail, and they never sit in the stack's state. Which Secrets carry them, with which keys, is
 * `credentialSecretLayouts`' to say; the rule is per key, since a Secret may keep generated keys
 * Pulumi writes next to a credential the operator merges in.
 */
export const externalCredentialsFromSecretsManager: StackValidationPolicy = {
  name: "external-credentials-from-secrets-manager",
  description:
    "Where required (config requireSecretsManager), no Secret the stack writes holds a key of `credentialSecretLayouts` that carries an external credential (NGC, judge, embedding, W&B), but for generated keys and keys it marks empty on purpose. " +
    "Every ExternalSecret targeting such a Secret reads from a ClusterSecretStore the stack declares on AWS Secrets Manager, writes every credential key of the layout, gives a Secret it creates the layout's type, and merges into a Secret the stack also writes, without a key of it. " +
    "Mandatory: a credential in Pulumi config lives in the stack's state and is rotated only by a deploy.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set data-flywheel:secrets.source: aws-secrets-manager with the AWS secret of each credential under data-flywheel:secrets.names (README, \"Secrets\"): the stack then writes ExternalSecrets through its ClusterSecretStore instead of those keys.",
  configSchema: {
    properties: {
      requireSecretsManager: {
        type: "boolean",
        default: externalCredentialsFromSecretsManagerDefaults.requireSecretsManager,
        description: "Refuse external credentials in Secrets the stack writes: they must come from AWS Secrets Manager.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { requireSecretsManager } = policyConfig(args, externalCredentialsFromSecretsManagerDefaults);
    const objects = kubernetesObjectsIn(args.resources);
    const report = (resource: PolicyResource, message: string): void => reportViolation(message, resource.urn);
    const secrets = objects.filter(({ object }) => isKind(object, "core", "Secret"));
    const stores = objects.filter(({ object }) => isKind(object, "external-secrets.io", "ClusterSecretStore")).map(({ object }) => object);
    if (requireSecretsManager) {
      for (const { object, resource } of secrets) {
        const layout = layouts.find((l) => l.name === object.metadata.name);
        if (!layout) {
          continue;
        }
        const kept = layout.generatedKeys?.length ? ` (the stack keeps writing its generated ${layout.generatedKeys.join(", ")})` : "";
        const empty = emptyOnPurpose(object);
        for (const [key, value] of secretEntries(object).filter(([k]) => k in layout.keys)) {
          const credential = layout.keys[key].credential;
          if (!empty.includes(key)) {
            report(
              resource,
              `${describeObject(object)} holds ${key}, the ${credential} credential, written by Pulumi from its config. ` +
                `Fix: ${sourceFix}; an ExternalSecret then syncs ${key} from AWS Secrets Manager${kept}.`,
            );
          } else if (!emptyOrMasked(value)) {
            report(
              resource,
              `${describeObject(object)} marks ${key} (the ${credential} credential) empty (${emptyCredentialKeysAnnotation}), but it holds a value. ` +
                `Fix: ${sourceFix}, and leave the key empty in the stack's Secret.`,
            );
          }
        }
      }
    }
    for (const { object, resource } of objects.filter(({ object }) => isKind(object, "external-secrets.io", "ExternalSecret"))) {
      const spec = (isRecord(object.spec) ? object.spec : {}) as ExternalSecretSpec;
      const target = spec.target?.name ?? object.metadata.name ?? "";
      const layout = layouts.find((l) => l.name === target);
      if (!layout) {
        continue;
      }
      const subject = `${describeObject(object)} (Secret ${target})`;
      const store = storeProblem(spec, stores);
      if (store) {
        report(resource, `${subject} ${store}. Fix: reference the stack's ClusterSecretStore on AWS Secrets Manager (spec.secretStoreRef kind ClusterSecretStore, provider aws, service ${secretsManagerService}).`);
      }
      const { keys, unread } = keysWritten(spec);
      for (const key of Object.keys(layout.keys).filter((k) => !keys.has(k))) {
        const written = keys.size > 0 ? [...keys].join(", ") : "none";
        const elsewhere = unread.length > 0 ? `; ${unread.join(" and ")} cannot be read before deploy` : "";
        report(
          resource,
          `${subject} writes no ${key} (the ${layout.keys[key].credential} credential; keys written: ${written}${elsewhere}). ` +
            "Fix: write it by name, in spec.data (secretKey) or spec.target.template.data.",
        );
      }
      const declaredSecrets = secrets.filter(({ object: secret }) => secret.metadata.name === target && namespaceOf(secret) === namespaceOf(object));
      const declared = declaredSecrets.length > 0;
      const ownership = ownershipProblem(spec, target, declared);
      if (ownership) {
        report(resource, `${subject} ${ownership}`);
      }
      const shared = new Set(declaredSecrets.flatMap(({ object: secret }) => secretEntries(secret).map(([key]) => key)).filter((key) => keys.has(key)));
      for (const key of shared) {
        report(resource, `${subject} writes ${key}, which the stack's Secret ${target} also holds, so Pulumi and the operator would overwrite each other. Fix: leave ${key} out of the stack's Secret.`);
      }
      // A Secret the operator creates takes its type from the template; one it merges into keeps the stack's.
      const type = spec.target?.template?.type ?? "Opaque";
      if (!declared && spec.target?.creationPolicy !== "None" && type !== layout.type) {
        report(resource, `${subject} creates a Secret of type ${type}, but ${target} is ${layout.type}. Fix: set spec.target.template.type: ${layout.type}.`);
      }
    }
  },
};
