import * as YAML from "yaml";
import { NemoCustomizerConfig, type NemoCustomizerConfigProps } from "../../../constructs/nemo/customizer-config";
import { synth, typicalProps, type Manifest } from "../nim/fixtures";

const props = typicalProps.customizerConfig;

function customizerConfig(overrides: Partial<NemoCustomizerConfigProps> = {}) {
  let construct: NemoCustomizerConfig | undefined;
  const manifests = synth((chart) => (construct = new NemoCustomizerConfig(chart, "config", { ...props, ...overrides })));
  const byName = (name: string): Manifest => manifests.find((m) => m.metadata.name === name) as Manifest;
  const config = construct as NemoCustomizerConfig;
  return {
    construct: config,
    models: byName(config.modelConfigMapName),
    training: byName(config.trainingConfigMapName),
  };
}

describe("NemoCustomizerConfig", () => {
  it("renders the customization targets as Customizer reads them", () => {
    const { construct, models } = customizerConfig();
    expect(construct.modelConfigMapName).toBe("nemo-customizer-models");
    expect(models).toMatchObject({ kind: "ConfigMap", metadata: { namespace: "nemo" } });
    expect(YAML.parse(models.data.customizationTargets)).toEqual({
      hfTargetDownload: { enabled: false, allowedHfOrgs: [] },
      overrideExistingTargets: true,
      targets: {
        "meta/llama-3.2-1b-instruct@2.0": {
          name: "llama-3.2-1b-instruct@2.0",
          namespace: "meta",
          enabled: true,
          model_uri: "ngc://nvidia/nemo/llama-3_2-1b-instruct:2.0",
          model_path: "llama-3_2-1b-instruct_2_0",
          base_model: "meta/llama-3.2-1b-instruct",
          num_parameters: 1000000000,
          precision: "bf16-mixed",
        },
      },
    });
  });

  it("renders the config templates with their training options", () => {
    expect(YAML.parse(customizerConfig().models.data.customizationConfigTemplates)).toEqual({
      overrideExistingTemplates: true,
      templates: {
        "meta/llama-3.2-1b-instruct@v1.0.0+L40S": {
          name: "llama-3.2-1b-instruct@v1.0.0+L40S",
          namespace: "meta",
          target: "meta/llama-3.2-1b-instruct@2.0",
          training_options: [{ training_type: "sft", finetuning_type: "lora", num_gpus: 1, num_nodes: 1, tensor_parallel_size: 1, micro_batch_size: 1 }],
          max_seq_length: 4096,
          prompt_template: "{prompt} {completion}",
        },
      },
    });
  });

  it("renders the training defaults", () => {
    const { construct, training } = customizerConfig();
    expect(construct.trainingConfigMapName).toBe("nemo-customizer-training");
    expect(YAML.parse(training.data.training)).toEqual({ container_defaults: { imagePullPolicy: "IfNotPresent" } });
  });

  it("allows Hugging Face downloads only from the organisations of hf:// targets", () => {
    const targets = [
      ...props.targets,
      { target: "qwen/qwen2.5-7b-instruct@1.0", modelUri: "hf://Qwen/Qwen2.5-7B-Instruct", numParameters: 7_000_000_000, precision: "bf16", enabled: false },
    ] as const;
    const parsed = YAML.parse(customizerConfig({ targets }).models.data.customizationTargets);
    expect(parsed.hfTargetDownload).toEqual({ enabled: true, allowedHfOrgs: ["Qwen"] });
    expect(parsed.targets["qwen/qwen2.5-7b-instruct@1.0"]).toMatchObject({ enabled: false, model_path: "qwen2_5-7b-instruct_1_0" });
  });

  it("changes its checksum when the content changes, and only then", () => {
    const base = customizerConfig().construct.checksum;
    expect(customizerConfig().construct.checksum).toBe(base);
    expect(customizerConfig({ configTemplates: [{ ...props.configTemplates[0], maxSeqLength: 8192 }] }).construct.checksum).not.toBe(base);
  });

  it("refuses inconsistent targets and templates with the prop in the message", () => {
    expect(() => customizerConfig({ targets: [] })).toThrow("targets must list at least one model to customize");
    expect(() => customizerConfig({ targets: [{ ...props.targets[0], target: "llama-3.2-1b-instruct" }] })).toThrow('targets[0].target "llama-3.2-1b-instruct" must be namespace/name@version');
    expect(() => customizerConfig({ targets: [props.targets[0], props.targets[0]] })).toThrow("targets[1].target \"meta/llama-3.2-1b-instruct@2.0\" is listed twice");
    expect(() => customizerConfig({ targets: [{ ...props.targets[0], modelUri: "s3://bucket/model" }] })).toThrow("must be an ngc:// or hf://<org>/<model> URI");
    expect(() => customizerConfig({ configTemplates: [{ ...props.configTemplates[0], target: "meta/llama-3.1-8b-instruct@2.0" }] })).toThrow(
      'configTemplates[0].target "meta/llama-3.1-8b-instruct@2.0" is not one of the targets (meta/llama-3.2-1b-instruct@2.0)',
    );
    expect(() => customizerConfig({ configTemplates: [{ ...props.configTemplates[0], trainingOptions: [{ numGpus: 2, tensorParallelSize: 4 }] }] })).toThrow(
      "configTemplates[0].trainingOptions[0].tensorParallelSize (4) must divide numGpus (2)",
    );
  });
});
