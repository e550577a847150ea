import { profileSelection } from "../../infra/platform/flywheel-models";

const l40s = { name: "inference", role: "inference" as const, gpuProduct: "NVIDIA-L40S", nimGpu: "l40s", gpusPerNode: 1 };

describe("profileSelection", () => {
  it("caches the engines of the inference pool's GPU, at the model's tensor parallelism", () => {
    expect(profileSelection("model m", { gpus: 2 }, l40s, false)).toEqual({ gpus: [{ product: "l40s" }], tensorParallelism: 2 });
  });

  it("adds LoRA-capable profiles for a model that gets fine-tuned", () => {
    expect(profileSelection("model m", { gpus: 1 }, l40s, true)).toEqual({ gpus: [{ product: "l40s" }], tensorParallelism: 1, lora: true });
  });

  it("takes explicit profiles as they are", () => {
    expect(profileSelection("model m", { gpus: 1, profiles: ["abc123"] }, l40s, true)).toEqual({ profiles: ["abc123"] });
  });

  it("asks for profiles when the pool's GPU has no NIM name", () => {
    const unknown = { ...l40s, gpuProduct: "NVIDIA-RTX-PRO-6000", nimGpu: undefined };
    expect(() => profileSelection("model m", { gpus: 1 }, unknown, false)).toThrow(
      "model m: the inference pool's GPU (NVIDIA-RTX-PRO-6000) has no known NIM profile name; list the NIM's profiles explicitly in the model's `profiles`",
    );
  });
});
