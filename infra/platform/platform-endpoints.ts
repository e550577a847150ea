import type { ModelEndpoint } from "./flywheel-models";
import { logStoreNaming } from "./log-store";
import { namespaces } from "./namespaces";
import type { NemoUrls } from "./nemo-microservices";
import { runStateNaming, type RunStateUrls } from "./run-state";

/** A judge or embedding model as the stack's outputs show it (whether it needs a key is the job's business). */
export interface ServedModelOutput {
  readonly baseUrl: string;
  readonly model: string;
}

/**
 * What `pulumi stack output` shows of the platform: where its services are, in-cluster and without
 * credentials, and the Secrets and ConfigMaps (`<namespace>/<name>`) that hold what to use them with.
 */
export interface PlatformEndpoints {
  readonly namespaces: typeof namespaces;
  readonly elasticsearch: {
    readonly url: string;
    /** The data stream applications write their logs to. */
    readonly logIndex: string;
    readonly readerUser: string;
    /** By writer namespace: its own writer user, and the Secret there with its credentials and the CA. */
    readonly writers: Readonly<Record<string, { readonly user: string; readonly secret: string }>>;
    /** The CA that signed Elasticsearch's certificate (`ca.crt`), in the flywheel namespace. */
    readonly caConfigMap: string;
  };
  /** Without the password. */
  readonly mongodb: { readonly url: string };
  /** Without the password. */
  readonly redis: { readonly url: string };
  /** The Secret the flywheel Jobs connect to Elasticsearch, MongoDB and Redis with. */
  readonly flywheelConnectionsSecret: string;
  readonly nemo: NemoUrls;
  readonly judge: ServedModelOutput;
  readonly embedding: ServedModelOutput;
  /** By `data-flywheel:serving` entry: where applications call the model, and the model id they request; absent without entries. */
  readonly serving?: Readonly<Record<string, ServedModelOutput>>;
}

/** Where the platform's components serve, as they report it. */
export interface PlatformServices {
  /** The log store's HTTPS URL. */
  readonly elasticsearchUrl: string;
  /** `platform.elasticsearch.logWriterNamespaces`. */
  readonly logWriterNamespaces: readonly string[];
  readonly runState: RunStateUrls;
  readonly nemo: NemoUrls;
  readonly judge: ModelEndpoint;
  readonly embedding: ModelEndpoint;
  /** The served models, when the stack has serving entries. */
  readonly serving?: Readonly<Record<string, ServedModelOutput>>;
}

/** The platform's stack outputs. */
export function platformEndpoints(services: PlatformServices): PlatformEndpoints {
  const served = (model: ModelEndpoint): ServedModelOutput => ({ baseUrl: model.baseUrl, model: model.model });
  return {
    namespaces,
    elasticsearch: {
      url: services.elasticsearchUrl,
      logIndex: logStoreNaming.logIndex,
      readerUser: logStoreNaming.readerUser,
      writers: Object.fromEntries(
        services.logWriterNamespaces.map((namespace) => [namespace, { user: logStoreNaming.writerUser(namespace), secret: `${namespace}/${logStoreNaming.writerSecret}` }]),
      ),
      caConfigMap: `${namespaces.flywheel}/${logStoreNaming.caConfigMap}`,
    },
    mongodb: { url: services.runState.mongodb },
    redis: { url: services.runState.redis },
    flywheelConnectionsSecret: `${namespaces.flywheel}/${runStateNaming.connectionsSecret}`,
    nemo: services.nemo,
    judge: served(services.judge),
    embedding: served(services.embedding),
    ...(services.serving ? { serving: services.serving } : {}),
  };
}
