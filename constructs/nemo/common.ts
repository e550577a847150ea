import { type ComputeResources, toQuantities, validateComputeResources } from "../common/compute-resources";
import { fail } from "../common/errors";
import { type ContainerImage, validateImage } from "../common/images";
import { validateInteger } from "../common/integers";
import { validateDataKey, validateNamespace, validateObjectName, validateServiceName } from "../common/names";
import { type PersistentStorage, type PersistentVolumeAccessMode, validateStorage } from "../common/storage";
import { apiServicePort } from "../nim/urls";

/**
 * The PostgreSQL database of a NeMo microservice. The operator passes host, port, database and user
 * as settings and reads the password from the Secret.
 */
export interface NemoDatabase {
  /** Host name, e.g. `nemo-postgres-rw.nemo.svc.cluster.local` or an RDS endpoint. */
  readonly host: string;
  /**
   * @default 5432
   */
  readonly port?: number;
  /** Database name. */
  readonly database: string;
  /** Login role of this service. */
  readonly user: string;
  /** Secret (in the service's namespace) holding the user's password. */
  readonly passwordSecret: string;
  /**
   * Key of the password in `passwordSecret`.
   * @default "password"
   */
  readonly passwordKey?: string;
}

/** A PersistentVolumeClaim the operator creates (or finds) for a microservice. */
export interface NemoVolume extends PersistentStorage {
  /** Access mode; it must be one the StorageClass supports. */
  readonly accessMode: PersistentVolumeAccessMode;
  /**
   * Name of the claim.
   * @default the operator's name for it
   */
  readonly pvcName?: string;
}

/** Props every NeMo microservice construct takes. */
export interface NemoServiceProps {
  /** Name of the resource; the operator names the Service (and the URL) after it. */
  readonly name: string;
  /** Namespace of the resource and its Service. */
  readonly namespace: string;
  /**
   * Image of the microservice.
   * @default the service's entry in `nemoImageDefaults`
   */
  readonly image?: ContainerImage;
  /** Image pull secrets (a docker-registry Secret for nvcr.io); may be empty if the images are mirrored publicly. */
  readonly imagePullSecrets: readonly string[];
  /**
   * CPU and memory of the microservice's container.
   * @default a per-service size, see each construct
   */
  readonly resources?: ComputeResources;
  /**
   * Node selector of the microservice's pods.
   * @default none
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

/** What every NeMo microservice spec shares, rendered from `NemoServiceProps`. */
export function renderServiceSpec<Request, Limit>(
  owner: string,
  props: NemoServiceProps,
  defaults: { readonly image: ContainerImage; readonly resources: ComputeResources },
  quantity: { readonly request: (value: string) => Request; readonly limit: (value: string) => Limit },
) {
  validateServiceName(owner, props.name);
  validateNamespace(owner, props.namespace);
  const image = props.image ?? defaults.image;
  validateImage(owner, "image", image);
  props.imagePullSecrets.forEach((secret, i) => validateObjectName(owner, `imagePullSecrets[${i}]`, secret));
  const resources = props.resources ?? defaults.resources;
  validateComputeResources(owner, "resources", resources);
  return {
    image: {
      repository: image.repository,
      tag: image.tag,
      pullPolicy: "IfNotPresent",
      pullSecrets: props.imagePullSecrets.length > 0 ? [...props.imagePullSecrets] : undefined,
    },
    // The CRDs' CEL rules read spec.expose.service, so it is always set.
    expose: { service: { type: "ClusterIP", port: apiServicePort } },
    resources: {
      requests: toQuantities(resources.requests, quantity.request),
      limits: toQuantities(resources.limits, quantity.limit),
    },
    // One replica each: the microservices serve the flywheel's scheduled runs, not user traffic.
    replicas: 1,
    nodeSelector: props.nodeSelector && { ...props.nodeSelector },
  };
}

/** `spec.databaseConfig` from `NemoDatabase`. */
export function renderDatabase(owner: string, database: NemoDatabase) {
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(database.host)) {
    fail(owner, `database.host "${database.host}" is not a host name`);
  }
  validateInteger(owner, "database.port", database.port ?? 5432, 1, 65535);
  for (const [prop, value] of [["database.database", database.database], ["database.user", database.user]] as const) {
    if (!/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(value)) {
      fail(owner, `${prop} "${value}" is not a PostgreSQL identifier`);
    }
  }
  validateObjectName(owner, "database.passwordSecret", database.passwordSecret);
  validateDataKey(owner, "database.passwordKey", database.passwordKey ?? "password");
  return {
    host: database.host,
    port: database.port ?? 5432,
    databaseName: database.database,
    credentials: {
      user: database.user,
      secretName: database.passwordSecret,
      passwordKey: database.passwordKey ?? "password",
    },
  };
}

/** A `spec.pvc`-style claim from `NemoVolume`; the operator creates it if it does not exist. */
export function renderVolume(owner: string, prop: string, volume: NemoVolume) {
  validateStorage(owner, prop, volume);
  if (volume.pvcName !== undefined) {
    validateObjectName(owner, `${prop}.pvcName`, volume.pvcName);
  }
  return {
    create: true,
    name: volume.pvcName,
    size: volume.size,
    storageClass: volume.storageClass,
    volumeAccessMode: volume.accessMode,
  };
}
