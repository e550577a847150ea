import * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { SyncedSecret } from "../../constructs/secrets/synced-secret";
import {
  type CredentialFormat,
  type CredentialSecretLayout,
  type CredentialSecretPurpose,
  type CredentialSource,
  credentialSecretLayouts,
  emptyCredentialKeysAnnotation,
  type ExternalCredential,
  ngcLogin,
} from "../platform/external-credentials";
import { applyChart } from "./cdk8s-chart";
import { dockerConfigJson, secret } from "./secrets";

/** A key's value made from the credential, in Pulumi (the credential is at hand). */
export function formatCredential(format: CredentialFormat, value: string): string {
  switch (format) {
    case "value":
      return value;
    case "nvcr-docker-config":
      return dockerConfigJson(ngcLogin.registry, ngcLogin.username, value);
  }
}

/**
 * The same value as an External Secrets template over the variable holding the credential: what
 * `formatCredential` computes, in Go's template language with Sprig's functions, so both sources
 * write byte-identical Secrets (`toJson` quotes the key as JSON.stringify does).
 */
export function credentialTemplate(format: CredentialFormat, variable: string): string {
  switch (format) {
    case "value":
      return `{{ .${variable} }}`;
    case "nvcr-docker-config":
      return (
        `{"auths":{${JSON.stringify(ngcLogin.registry)}:{"username":${JSON.stringify(ngcLogin.username)},` +
        `"password":{{ .${variable} | toJson }},` +
        `"auth":{{ printf "%s:%s" ${JSON.stringify(ngcLogin.username)} .${variable} | b64enc | toJson }}}}}`
      );
  }
}

/** The ClusterSecretStore ExternalSecrets read from, and what they wait for. */
export interface CredentialStore {
  readonly name: string;
  readonly ready: readonly pulumi.Resource[];
}

/** What a layout's Secret holds beyond its credentials. */
export interface CredentialSecretOptions {
  /** Keys the stack generates, written by Pulumi whichever the source. */
  readonly generated?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Credential keys written empty when the stack has no such credential (a reader that needs the key
   * to exist); other missing credentials leave their key out.
   * @default none
   */
  readonly emptyWhenMissing?: readonly string[];
}

/**
 * Writes the Secrets that carry external credentials, from wherever the stack's credentials come
 * from: with Pulumi config, a Secret holding the values; with a secrets manager, an ExternalSecret the
 * operator turns into the same Secret, and a Pulumi Secret only for generated or empty keys, which the
 * synchronised keys are merged into.
 */
export class CredentialSecrets {
  constructor(
    readonly source: CredentialSource,
    private readonly store: CredentialStore | undefined,
    private readonly provider: pulumi.ProviderResource,
  ) {
    if (source.source === "aws-secrets-manager" && store === undefined) {
      throw new Error("CredentialSecrets: credentials from aws-secrets-manager need the secrets operator's ClusterSecretStore");
    }
  }

  /** Whether the stack has this credential, from either source. */
  has(credential: ExternalCredential): boolean {
    return this.source.source === "pulumi" ? this.source.values[credential] !== undefined : this.source.names[credential] !== undefined;
  }

  /**
   * The Secret of `purpose` in `namespace`. `name` names the Pulumi resources (the Secret keeps the
   * name it had when every credential came from Pulumi config, so switching sources replaces nothing
   * else). Returns what a reader of the Secret waits for.
   */
  write(name: string, purpose: CredentialSecretPurpose, namespace: string, opts: pulumi.CustomResourceOptions, options: CredentialSecretOptions = {}): pulumi.Resource[] {
    const layout: CredentialSecretLayout = credentialSecretLayouts[purpose];
    const resourceOpts = { ...opts, provider: this.provider };
    const present = Object.entries(layout.keys).filter(([, key]) => this.has(key.credential));
    const empty = (options.emptyWhenMissing ?? []).filter((key) => layout.keys[key] !== undefined && !this.has(layout.keys[key].credential));
    const generated = options.generated ?? {};
    const pulumiKeys: Record<string, pulumi.Input<string>> = { ...generated, ...Object.fromEntries(empty.map((key) => [key, ""])) };
    const annotations = empty.length > 0 ? { [emptyCredentialKeysAnnotation]: empty.join(",") } : undefined;

    const source = this.source;
    if (source.source === "pulumi" || present.length === 0) {
      for (const [key, { credential, format }] of present) {
        const value = source.source === "pulumi" ? source.values[credential] : undefined;
        if (value !== undefined) {
          pulumiKeys[key] = value.apply((v) => formatCredential(format, v));
        }
      }
      return [secret(name, { name: layout.name, namespace, type: layout.type, stringData: pulumiKeys, ...(annotations ? { annotations } : {}) }, resourceOpts)];
    }

    // Every credential of the layout is read once, however many keys are made from it.
    const names = source.names;
    const values = [...new Set(present.map(([, key]) => key.credential))].flatMap((credential) => {
      const remoteKey = names[credential];
      return remoteKey === undefined ? [] : [{ variable: credential, remoteKey }];
    });
    const base = Object.keys(pulumiKeys).length > 0
      ? secret(name, { name: layout.name, namespace, type: layout.type, stringData: pulumiKeys, ...(annotations ? { annotations } : {}) }, resourceOpts)
      : undefined;
    const store = this.store;
    if (store === undefined) {
      throw new Error(`CredentialSecrets: ${layout.name} in ${namespace} is synced from a secrets manager, and there is no ClusterSecretStore`);
    }
    const chart = new Chart(new App(), `${name}-synced`);
    new SyncedSecret(chart, layout.name, {
      name: layout.name,
      namespace,
      storeName: store.name,
      values,
      template: Object.fromEntries(present.map(([key, { credential, format }]) => [key, credentialTemplate(format, credential)])),
      type: layout.type,
      refreshInterval: source.refreshInterval,
      mergeIntoExisting: base !== undefined,
    });
    const dependsOn = [...asArray(opts.dependsOn), ...store.ready, ...(base ? [base] : [])];
    const synced = applyChart(`${name}-synced`, chart, { ...resourceOpts, dependsOn });
    return [...(base ? [base] : []), synced];
  }
}

/** Which of the NGC Secrets a namespace gets. */
export interface NgcSecretsOptions {
  /**
   * The API key Secret too, not only the pull Secret: only where a pod reads it (every Secret of a
   * namespace is one more that any pod allowed to create pods there can mount).
   * @default true
   */
  readonly apiKey?: boolean;
}

/** The NGC API key Secret and the nvcr.io pull Secret in one namespace, by the names of the job's contract. */
export function ngcSecrets(credentials: CredentialSecrets, name: string, namespace: string, opts: pulumi.CustomResourceOptions, options: NgcSecretsOptions = {}): pulumi.Resource[] {
  return [
    ...(options.apiKey ?? true ? credentials.write(`${name}-ngc-api`, "ngcApiKey", namespace, opts) : []),
    ...credentials.write(`${name}-nvcr-pull`, "nvcrPull", namespace, opts),
  ];
}

function asArray(dependsOn: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
  return dependsOn === undefined ? [] : Array.isArray(dependsOn) ? [...dependsOn] : [dependsOn as pulumi.Input<pulumi.Resource>];
}
