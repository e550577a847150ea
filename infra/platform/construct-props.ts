import type { PersistentStorage } from "../../constructs/common/storage";

/**
 * A data service's volume claim: `sizeGiB` gibibytes of `storageClass`, or of the cluster's default
 * StorageClass when the cluster names none (the construct then leaves the claim's class unset).
 */
export function persistentStorage(sizeGiB: number, storageClass: string | undefined): PersistentStorage {
  return { size: `${sizeGiB}Gi`, ...(storageClass ? { storageClass } : {}) };
}

/**
 * The node selector a construct's pods get: none at all on a cluster without a system node pool, so
 * the manifests carry no empty `nodeSelector`.
 */
export function optionalNodeSelector(selector: Readonly<Record<string, string>>): Readonly<Record<string, string>> | undefined {
  return Object.keys(selector).length > 0 ? selector : undefined;
}
