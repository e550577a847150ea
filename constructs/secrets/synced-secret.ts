import { Construct } from "constructs";
import { fail, resourceLabel } from "../common/errors";
import { validateDataKey, validateNamespace, validateObjectName } from "../common/names";
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetTemplateEngineVersion,
  ExternalSecretSpecTargetTemplateMergePolicy,
} from "../imports/external-secrets-v2.9.0/externalsecret-external-secrets.io";

/** A value read from the store, under the name the templates use for it. */
export interface StoreValue {
  /** The template variable, `{{ .<variable> }}`: letters and digits, starting with a letter. */
  readonly variable: string;
  /** The secret's name in the store. */
  readonly remoteKey: string;
}

export interface SyncedSecretProps {
  /** The Secret's name; the ExternalSecret has the same. */
  readonly name: string;
  readonly namespace: string;
  /** The ClusterSecretStore to read from. */
  readonly storeName: string;
  /** What to read: each secret once, however many keys use it. */
  readonly values: readonly StoreValue[];
  /** The Secret's keys, each a Go template over the values (ESO's template engine v2, with Sprig's functions). */
  readonly template: Readonly<Record<string, string>>;
  /**
   * The Secret's type.
   * @default "Opaque"
   */
  readonly type?: "Opaque" | "kubernetes.io/dockerconfigjson";
  /**
   * How often the store is read again, and a rotated value reaches the Secret (`30m`, `1h`).
   * @default "1h"
   */
  readonly refreshInterval?: string;
  /**
   * `true` when the Secret exists already, written by someone else (Pulumi, with generated keys):
   * the operator merges its keys into it and leaves the others. Otherwise the operator creates the
   * Secret and owns it: deleting the ExternalSecret deletes the Secret.
   * @default false
   */
  readonly mergeIntoExisting?: boolean;
}

const variablePattern = /^[A-Za-z][A-Za-z0-9]*$/;
const durationPattern = /^[1-9]\d*(m|h)$/;
// CreateSecret's Name rule, as the stack config checks it: refused here too, so no object names a secret AWS could not hold.
const remoteKeyPattern = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * A Secret the External Secrets Operator keeps in step with a secret store: an `ExternalSecret` of
 * `external-secrets.io/v1` whose target is built by a template, so a key can hold a value as it is
 * or a document made from it (a registry login). The object carries names only; the values never
 * pass through the stack.
 */
export class SyncedSecret extends Construct {
  readonly externalSecret: ExternalSecret;

  constructor(scope: Construct, id: string, props: SyncedSecretProps) {
    super(scope, id);
    const owner = resourceLabel("ExternalSecret", props.namespace, props.name);
    validateObjectName(owner, "name", props.name);
    validateNamespace(owner, props.namespace);
    validateObjectName(owner, "storeName", props.storeName);
    const refreshInterval = props.refreshInterval ?? "1h";
    if (!durationPattern.test(refreshInterval)) {
      fail(owner, `refreshInterval "${refreshInterval}" is not a whole number of minutes or hours (30m, 1h)`);
    }
    if (props.values.length === 0) {
      fail(owner, "values must name at least one secret of the store");
    }
    const variables = new Set<string>();
    for (const [i, value] of props.values.entries()) {
      if (!variablePattern.test(value.variable)) {
        fail(owner, `values[${i}].variable "${value.variable}" must be letters and digits, starting with a letter`);
      }
      if (variables.has(value.variable)) {
        fail(owner, `values[${i}].variable "${value.variable}" is read twice`);
      }
      if (!remoteKeyPattern.test(value.remoteKey)) {
        fail(owner, `values[${i}].remoteKey "${value.remoteKey}" is not a secret name (1 to 512 of A-Z, a-z, 0-9 and /_+=.@-)`);
      }
      variables.add(value.variable);
    }
    const keys = Object.keys(props.template);
    if (keys.length === 0) {
      fail(owner, "template must write at least one key");
    }
    for (const key of keys) {
      validateDataKey(owner, "template key", key);
      // Every variable a template uses must be read, or ESO writes "<no value>" into the Secret.
      for (const used of templateVariables(props.template[key])) {
        if (!variables.has(used)) {
          fail(owner, `template["${key}"] uses .${used}, which values do not read`);
        }
      }
    }

    const merge = props.mergeIntoExisting ?? false;
    this.externalSecret = new ExternalSecret(this, "external-secret", {
      metadata: { name: props.name, namespace: props.namespace, labels: { "app.kubernetes.io/part-of": "data-flywheel" } },
      spec: {
        secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: props.storeName },
        refreshInterval,
        data: props.values.map((value) => ({ secretKey: value.variable, remoteRef: { key: value.remoteKey } })),
        target: {
          name: props.name,
          creationPolicy: merge ? ExternalSecretSpecTargetCreationPolicy.MERGE : ExternalSecretSpecTargetCreationPolicy.OWNER,
          template: {
            engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2,
            // Merge keeps the keys Pulumi wrote beside the synchronised ones.
            mergePolicy: merge ? ExternalSecretSpecTargetTemplateMergePolicy.MERGE : ExternalSecretSpecTargetTemplateMergePolicy.REPLACE,
            type: props.type ?? "Opaque",
            data: { ...props.template },
          },
        },
      },
    });
  }
}

/** The variables (`.name`) a Go template's actions use, outside string literals. */
export function templateVariables(template: string): string[] {
  const used: string[] = [];
  for (const [, action] of template.matchAll(/\{\{(.*?)\}\}/gs)) {
    const code = action.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    for (const [, name] of code.matchAll(/(?:^|[\s(|])\.([A-Za-z][A-Za-z0-9]*)/g)) {
      used.push(name);
    }
  }
  return used;
}
