import { Construct } from "constructs";
import {
  NimCache as NimCacheObject,
  NimCacheSpecResourcesCpu,
  NimCacheSpecResourcesMemory,
  type NimCacheSpecSourceNgc,
  type NimCacheSpecSourceNgcModel,
} from "../imports/nim-operator-v3.1.2/nimcache-apps.nvidia.com";
import type { Toleration } from "../../flywheel-job/src/contract";
import type { CpuMemory } from "../common/compute-resources";
import { fail, resourceLabel } from "../common/errors";
import { validatePinnedReference } from "../common/images";
import { validateInteger } from "../common/integers";
import { validateLabelName, validateNamespace, validateObjectName } from "../common/names";
import { validateQuantity } from "../common/quantities";
import { type PersistentStorage, type PersistentVolumeAccessMode, validateStorage } from "../common/storage";

/** A GPU the cached profiles must be built for. */
export interface NimCacheGpu {
  /**
   * GPU product as it appears in the NIM's profile tags, e.g. `l4`, `l40s`, `a100`, `h100`. The
   * operator matches it case-insensitively as a substring of the profile's `gpu` tag, so `l4` also
   * matches `l40s` profiles: combine it with `tensorParallelism`/`precision` to narrow the choice.
   */
  readonly product: string;
  /**
   * PCI device IDs, to tell apart variants of one product.
   * @default any device of the product
   */
  readonly ids?: readonly string[];
}

/**
 * Which engine profiles of an NGC NIM to cache. Either `profiles` (exact profile IDs) or `gpus`
 * (with optional filters) must be given: without them the operator picks profiles for the GPU
 * products it finds on the cluster's nodes, and a GPU pool scaled to zero has none.
 */
export interface NgcModelSelection {
  /**
   * Exact profile IDs (see `list-model-profiles` in the NIM image). The operator then ignores every
   * other selector, so this prop excludes them.
   * @default chosen by `gpus` and the filters
   */
  readonly profiles?: readonly string[];
  /**
   * GPUs to cache optimized profiles for. The operator then only considers TensorRT-LLM profiles;
   * to cache a vLLM profile, pin it with `profiles`.
   * @default none (then `profiles` is required)
   */
  readonly gpus?: readonly NimCacheGpu[];
  /**
   * Backend engine.
   * @default any engine the other filters allow
   */
  readonly engine?: "tensorrt_llm" | "vllm";
  /**
   * GPUs one model instance spans (the profile's `tp` tag).
   * @default any
   */
  readonly tensorParallelism?: number;
  /**
   * Weight precision (the profile's `precision` tag), e.g. `bf16`, `fp8`.
   * @default any
   */
  readonly precision?: string;
  /**
   * Cache the LoRA-capable profiles, for models that serve fine-tuned adapters. The operator keeps
   * only profiles tagged `feat_lora=true` when this is true and only those tagged `feat_lora=false`
   * when it is false.
   * @default unset: every profile without LoRA support
   */
  readonly lora?: boolean;
}

/** A NIM from NGC: the NIM image itself pulls its weights. */
export interface NgcCacheSource {
  /**
   * The NIM image that downloads the model, pinned by tag or digest. The CRD makes it immutable:
   * changing it means a new NIMCache (replace the resource, do not update it).
   */
  readonly modelPuller: string;
  /**
   * Image pull secret for `modelPuller` (a docker-registry Secret for nvcr.io).
   * @default none (the image is public)
   */
  readonly pullSecret?: string;
  /** Secret with the NGC API key under the key `NGC_API_KEY`. */
  readonly authSecret: string;
  /** The engine profiles to cache. */
  readonly model: NgcModelSelection;
}

/** Where the weights come from. */
export interface NimCacheSource {
  /** A NIM from NGC. */
  readonly ngc: NgcCacheSource;
}

/**
 * The PersistentVolumeClaim the weights live on. Candidate caches are read by NIMs on any inference
 * node, so give them a ReadWriteMany StorageClass.
 */
export interface NimCacheStorage extends PersistentStorage {
  /** Access mode of the claim; it must be one the StorageClass supports. */
  readonly accessMode: PersistentVolumeAccessMode;
  /**
   * Let the operator create the claim; false uses an existing claim named `pvcName`.
   * @default true
   */
  readonly create?: boolean;
  /**
   * Name of the claim; required when `create` is false.
   * @default `<name>-pvc` (the operator's choice)
   */
  readonly pvcName?: string;
}

export interface NimCacheProps {
  /** Name of the NIMCache; NIMServices refer to the cache by it. */
  readonly name: string;
  /** Namespace of the NIMCache; NIMServices using it must run in the same one. */
  readonly namespace: string;
  /** Where the weights come from. */
  readonly source: NimCacheSource;
  /** The volume the weights are cached on. */
  readonly storage: NimCacheStorage;
  /**
   * Node selector for the caching job and the operator's profile-listing pod: CPU nodes. Required
   * because the operator's default selects nodes with an NVIDIA PCI device, which do not exist while
   * GPU pools are scaled to zero (and would keep a GPU node awake to download files).
   */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /**
   * Tolerations for the caching job, if the CPU nodes it selects are tainted.
   * @default none
   */
  readonly tolerations?: readonly Toleration[];
  /**
   * CPU and memory of the caching job; the operator uses them as both requests and limits.
   * @default { cpu: "1", memory: "4Gi" }
   */
  readonly resources?: CpuMemory;
}

/**
 * A NIMCache: downloads a model's weights once onto a PersistentVolumeClaim that NIMServices mount,
 * so no deployment downloads them again. The caching job runs on the CPU nodes of `nodeSelector`.
 */
export class NimCache extends Construct {
  /** Name of the NIMCache (`spec.storage.nimCache.name` of the NIMServices that use it). */
  public readonly name: string;
  public readonly namespace: string;
  public readonly apiObject: NimCacheObject;

  constructor(scope: Construct, id: string, props: NimCacheProps) {
    super(scope, id);
    const owner = resourceLabel("NIMCache", props.namespace, props.name);
    validateLabelName(owner, "name", props.name);
    validateNamespace(owner, props.namespace);
    this.name = props.name;
    this.namespace = props.namespace;

    if (Object.keys(props.nodeSelector).length === 0) {
      fail(owner, "nodeSelector must select the CPU nodes the caching job runs on; an empty selector lets it land on a GPU node");
    }
    const resources = props.resources ?? { cpu: "1", memory: "4Gi" };
    validateQuantity(owner, "resources.cpu", resources.cpu);
    validateQuantity(owner, "resources.memory", resources.memory);
    validateStorage(owner, "storage", props.storage);
    const createPvc = props.storage.create ?? true;
    if (props.storage.pvcName !== undefined) {
      validateObjectName(owner, "storage.pvcName", props.storage.pvcName);
    } else if (!createPvc) {
      fail(owner, "storage.pvcName must name the existing claim when storage.create is false");
    }

    this.apiObject = new NimCacheObject(this, "Resource", {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        source: { ngc: renderNgcSource(owner, props.source.ngc) },
        storage: {
          pvc: {
            create: createPvc,
            name: props.storage.pvcName,
            size: props.storage.size,
            storageClass: props.storage.storageClass,
            volumeAccessMode: props.storage.accessMode,
          },
        },
        nodeSelector: { ...props.nodeSelector },
        tolerations: props.tolerations?.map((t) => ({ ...t })),
        resources: {
          cpu: NimCacheSpecResourcesCpu.fromString(resources.cpu),
          memory: NimCacheSpecResourcesMemory.fromString(resources.memory),
        },
      },
    });
  }
}

function renderNgcSource(owner: string, ngc: NgcCacheSource): NimCacheSpecSourceNgc {
  validatePinnedReference(owner, "source.ngc.modelPuller", ngc.modelPuller);
  validateObjectName(owner, "source.ngc.authSecret", ngc.authSecret);
  if (ngc.pullSecret !== undefined) {
    validateObjectName(owner, "source.ngc.pullSecret", ngc.pullSecret);
  }
  return {
    modelPuller: ngc.modelPuller,
    pullSecret: ngc.pullSecret,
    authSecret: ngc.authSecret,
    model: renderModelSelection(owner, ngc.model),
  };
}

function renderModelSelection(owner: string, model: NgcModelSelection): NimCacheSpecSourceNgcModel {
  const prop = "source.ngc.model";
  const profiles = model.profiles ?? [];
  const gpus = model.gpus ?? [];
  if (profiles.length > 0) {
    const ignored = (["gpus", "engine", "tensorParallelism", "precision", "lora"] as const).filter((key) => model[key] !== undefined);
    if (ignored.length > 0) {
      fail(owner, `${prop}.profiles pins exact profiles, and the operator then ignores ${ignored.join(", ")}; set either profiles or the selectors`);
    }
    profiles.forEach((profile, i) => {
      if (!/^[A-Za-z0-9._:-]+$/.test(profile)) {
        fail(owner, `${prop}.profiles[${i}] "${profile}" is not a profile ID`);
      }
    });
  } else if (gpus.length === 0) {
    fail(owner, `${prop} must set profiles or gpus: without them the operator picks profiles for the GPUs on the cluster's nodes, and a GPU pool scaled to zero has none`);
  }
  gpus.forEach((gpu, i) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/.test(gpu.product)) {
      fail(owner, `${prop}.gpus[${i}].product "${gpu.product}" is not a GPU product such as l4, l40s or h100`);
    }
  });
  if (model.tensorParallelism !== undefined) {
    validateInteger(owner, `${prop}.tensorParallelism`, model.tensorParallelism, 1, 64);
  }
  return {
    profiles: profiles.length > 0 ? [...profiles] : undefined,
    gpus: gpus.length > 0 ? gpus.map((gpu) => ({ product: gpu.product, ids: gpu.ids && [...gpu.ids] })) : undefined,
    engine: model.engine,
    tensorParallelism: model.tensorParallelism?.toString(),
    precision: model.precision,
    lora: model.lora,
  };
}
