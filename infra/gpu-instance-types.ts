/**
 * What the cluster needs to know about an EC2 GPU instance type before any node of it exists: the
 * Cluster Autoscaler can only scale a pool up from zero if the pool's Auto Scaling group advertises
 * the GPUs and labels a node would have, and a NIMCache can only pin an engine profile if it knows
 * the GPU product it will run on.
 */
export interface GpuInstanceType {
  /** GPUs per instance. */
  readonly gpus: number;
  /** Value of the `nvidia.com/gpu.product` node label that GPU feature discovery sets. */
  readonly product: string;
  /** Value of the `k8s.amazonaws.com/accelerator` label the Cluster Autoscaler's AWS provider reads. */
  readonly accelerator: string;
  /** GPU name as NIM engine profiles spell it (`gpu` in a NIMCache profile selector). */
  readonly nimGpu: string;
  /** Memory per GPU, GiB. */
  readonly gpuMemoryGiB: number;
}

const T4: Omit<GpuInstanceType, "gpus"> = { product: "Tesla-T4", accelerator: "nvidia-tesla-t4", nimGpu: "t4", gpuMemoryGiB: 16 };
const A10G: Omit<GpuInstanceType, "gpus"> = { product: "NVIDIA-A10G", accelerator: "nvidia-a10g", nimGpu: "a10g", gpuMemoryGiB: 24 };
const L4: Omit<GpuInstanceType, "gpus"> = { product: "NVIDIA-L4", accelerator: "nvidia-l4", nimGpu: "l4", gpuMemoryGiB: 24 };
const L40S: Omit<GpuInstanceType, "gpus"> = { product: "NVIDIA-L40S", accelerator: "nvidia-l40s", nimGpu: "l40s", gpuMemoryGiB: 48 };
const A100_40: Omit<GpuInstanceType, "gpus"> = { product: "NVIDIA-A100-SXM4-40GB", accelerator: "nvidia-tesla-a100", nimGpu: "a100", gpuMemoryGiB: 40 };
const A100_80: Omit<GpuInstanceType, "gpus"> = { product: "NVIDIA-A100-SXM4-80GB", accelerator: "nvidia-tesla-a100", nimGpu: "a100", gpuMemoryGiB: 80 };
const H100: Omit<GpuInstanceType, "gpus"> = { product: "NVIDIA-H100-80GB-HBM3", accelerator: "nvidia-h100", nimGpu: "h100", gpuMemoryGiB: 80 };
const H200: Omit<GpuInstanceType, "gpus"> = { product: "NVIDIA-H200", accelerator: "nvidia-h200", nimGpu: "h200", gpuMemoryGiB: 141 };

function family(prefix: string, gpu: Omit<GpuInstanceType, "gpus">, sizes: Record<string, number>): [string, GpuInstanceType][] {
  return Object.entries(sizes).map(([size, gpus]) => [`${prefix}.${size}`, { ...gpu, gpus }]);
}

const singleGpuSizes = { xlarge: 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1 };

/** The GPU instance types a pool may use, from AWS's accelerated-computing instance table. */
export const gpuInstanceTypes: ReadonlyMap<string, GpuInstanceType> = new Map([
  ...family("g4dn", T4, { ...singleGpuSizes, "12xlarge": 4, metal: 8 }),
  ...family("g5", A10G, { ...singleGpuSizes, "12xlarge": 4, "24xlarge": 4, "48xlarge": 8 }),
  ...family("g6", L4, { ...singleGpuSizes, "12xlarge": 4, "24xlarge": 4, "48xlarge": 8 }),
  ...family("g6e", L40S, { ...singleGpuSizes, "12xlarge": 4, "24xlarge": 4, "48xlarge": 8 }),
  ...family("p4d", A100_40, { "24xlarge": 8 }),
  ...family("p4de", A100_80, { "24xlarge": 8 }),
  ...family("p5", H100, { "48xlarge": 8 }),
  ...family("p5e", H200, { "48xlarge": 8 }),
  ...family("p5en", H200, { "48xlarge": 8 }),
]);

/** Looks up a GPU instance type; `undefined` for a type this project does not know. */
export function gpuInstanceType(instanceType: string): GpuInstanceType | undefined {
  return gpuInstanceTypes.get(instanceType);
}

/** The NIM profile GPU name for a `nvidia.com/gpu.product` label value, when this project knows it. */
export function nimGpuForProduct(product: string): string | undefined {
  return [...gpuInstanceTypes.values()].find((t) => t.product === product)?.nimGpu;
}
