import { validateObjectName } from "./names";
import { validateQuantity } from "./quantities";

/** Access modes of a PersistentVolumeClaim. */
export type PersistentVolumeAccessMode = "ReadWriteOnce" | "ReadWriteMany" | "ReadWriteOncePod" | "ReadOnlyMany";

/** A persistent volume claim: its size and the StorageClass that provisions it. */
export interface PersistentStorage {
  /** Requested capacity, a Kubernetes quantity such as `20Gi`. */
  readonly size: string;
  /**
   * StorageClass of the claim.
   * @default the cluster's default StorageClass
   */
  readonly storageClass?: string;
}

/** Validates a claim's size and StorageClass name. */
export function validateStorage(owner: string, prop: string, storage: PersistentStorage): void {
  validateQuantity(owner, `${prop}.size`, storage.size);
  if (storage.storageClass !== undefined) {
    validateObjectName(owner, `${prop}.storageClass`, storage.storageClass);
  }
}
