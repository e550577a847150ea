import { createHash } from "node:crypto";
import * as kplus from "cdk8s-plus-28";
import { Construct } from "constructs";
import * as YAML from "yaml";
import { fail, resourceLabel } from "../common/errors";
import { validateInteger } from "../common/integers";
import { validateNamespace, validateObjectName } from "../common/names";

/** A base model Customizer may fine-tune. */
export interface CustomizationTarget {
  /** `namespace/name@version`, e.g. `meta/llama-3.2-1b-instruct@2.0`. */
  readonly target: string;
  /** Where Customizer downloads the base weights: `ngc://…` or `hf://<org>/<model>`. */
  readonly modelUri: string;
  /**
   * Directory of the weights on Customizer's model volume.
   * @default the target's name and version with every character other than letters, digits and '-' replaced by '_'
   */
  readonly modelPath?: string;
  /**
   * The model name the NIM serves the base model under.
   * @default the target's `namespace/name`
   */
  readonly baseModel?: string;
  /** Parameter count, which Customizer plans resources with. */
  readonly numParameters: number;
  /** Training precision, e.g. `bf16-mixed`. */
  readonly precision: "bf16-mixed" | "bf16" | "fp16" | "fp32";
  /**
   * Whether jobs may use the target.
   * @default true
   */
  readonly enabled?: boolean;
}

/** One way a template may train its target. */
export interface TrainingOption {
  /**
   * @default "sft"
   */
  readonly trainingType?: "sft";
  /**
   * @default "lora"
   */
  readonly finetuningType?: "lora" | "all_weights";
  /** GPUs per node. */
  readonly numGpus: number;
  /**
   * @default 1
   */
  readonly numNodes?: number;
  /**
   * GPUs the model's tensors are split across; must divide `numGpus`.
   * @default 1
   */
  readonly tensorParallelSize?: number;
  /**
   * Training examples each GPU processes at once.
   * @default 1
   */
  readonly microBatchSize?: number;
}

/** A customization config template: how to train one target. */
export interface CustomizationConfigTemplate {
  /** `name@version`, e.g. `llama-3.2-1b-instruct@v1.0.0+L40S`; jobs refer to it as `<target namespace>/<name>`. */
  readonly name: string;
  /** One of the targets (`namespace/name@version`). */
  readonly target: string;
  readonly trainingOptions: readonly TrainingOption[];
  /** Longest training sequence in tokens; longer examples are truncated. */
  readonly maxSeqLength: number;
  /**
   * How prompt and completion fields of a dataset are joined.
   * @default "{prompt} {completion}"
   */
  readonly promptTemplate?: string;
}

export interface NemoCustomizerConfigProps {
  /** Prefix of the two ConfigMaps: `<name>-models` and `<name>-training`. */
  readonly name: string;
  /** Namespace of the NemoCustomizer that reads them. */
  readonly namespace: string;
  /** The base models Customizer may fine-tune. */
  readonly targets: readonly CustomizationTarget[];
  /**
   * Config templates to create at start. Jobs may also create configs through the API.
   * @default none
   */
  readonly configTemplates?: readonly CustomizationConfigTemplate[];
}

/** What a NemoCustomizer needs to know of its configuration. */
export interface NemoCustomizerConfigReference {
  /** ConfigMap with `customizationTargets` and `customizationConfigTemplates` (`spec.modelConfig`). */
  readonly modelConfigMapName: string;
  /** ConfigMap with `training` (`spec.trainingConfig.configMap`). */
  readonly trainingConfigMapName: string;
  /** Changes whenever either ConfigMap's content does. */
  readonly checksum: string;
}

const targetPattern = /^([a-z0-9._-]+)\/([a-z0-9._-]+)@([a-z0-9._+-]+)$/i;

/**
 * Customizer's model and training configuration: the customization targets (the candidate models
 * that get fine-tuned) and config templates, as the YAML documents the NIM operator merges into
 * Customizer's configuration. Customizer overwrites its stored targets and templates with these at
 * start, so the stack config stays the source of truth.
 */
export class NemoCustomizerConfig extends Construct implements NemoCustomizerConfigReference {
  public readonly modelConfigMapName: string;
  public readonly trainingConfigMapName: string;
  public readonly checksum: string;

  constructor(scope: Construct, id: string, props: NemoCustomizerConfigProps) {
    super(scope, id);
    const owner = resourceLabel("NemoCustomizerConfig", props.namespace, props.name);
    validateNamespace(owner, props.namespace);
    validateObjectName(owner, "name", props.name);
    this.modelConfigMapName = `${props.name}-models`;
    this.trainingConfigMapName = `${props.name}-training`;

    const modelData = {
      customizationTargets: YAML.stringify(renderTargets(owner, props.targets)),
      customizationConfigTemplates: YAML.stringify(renderTemplates(owner, props.configTemplates ?? [], props.targets)),
    };
    const trainingData = {
      training: YAML.stringify({ container_defaults: { imagePullPolicy: "IfNotPresent" } }),
    };
    this.checksum = createHash("sha256").update(JSON.stringify([modelData, trainingData])).digest("hex");

    new kplus.ConfigMap(this, "Models", { metadata: { name: this.modelConfigMapName, namespace: props.namespace }, data: modelData });
    new kplus.ConfigMap(this, "Training", { metadata: { name: this.trainingConfigMapName, namespace: props.namespace }, data: trainingData });
  }
}

function renderTargets(owner: string, targets: readonly CustomizationTarget[]) {
  if (targets.length === 0) {
    fail(owner, "targets must list at least one model to customize");
  }
  const rendered: Record<string, Record<string, unknown>> = {};
  const hfOrgs = new Set<string>();
  targets.forEach((target, i) => {
    const prop = `targets[${i}]`;
    const match = targetPattern.exec(target.target);
    if (!match) {
      fail(owner, `${prop}.target "${target.target}" must be namespace/name@version, e.g. meta/llama-3.2-1b-instruct@2.0`);
    }
    if (rendered[target.target] !== undefined) {
      fail(owner, `${prop}.target "${target.target}" is listed twice`);
    }
    const uri = /^(ngc|hf):\/\/([^/\s]+)\/\S+$/.exec(target.modelUri);
    if (!uri) {
      fail(owner, `${prop}.modelUri "${target.modelUri}" must be an ngc:// or hf://<org>/<model> URI`);
    }
    if (uri[1] === "hf") {
      hfOrgs.add(uri[2]);
    }
    validateInteger(owner, `${prop}.numParameters`, target.numParameters, 1);
    const [, namespace, name, version] = match;
    const modelPath = target.modelPath ?? `${name}_${version}`.replace(/[^A-Za-z0-9-]/g, "_");
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(modelPath)) {
      fail(owner, `${prop}.modelPath "${modelPath}" must be a single directory name`);
    }
    rendered[target.target] = {
      name: `${name}@${version}`,
      namespace,
      enabled: target.enabled ?? true,
      model_uri: target.modelUri,
      model_path: modelPath,
      base_model: target.baseModel ?? `${namespace}/${name}`,
      num_parameters: target.numParameters,
      precision: target.precision,
    };
  });
  return {
    // Hugging Face downloads only for the organisations the hf:// targets name.
    hfTargetDownload: { enabled: hfOrgs.size > 0, allowedHfOrgs: [...hfOrgs].sort() },
    overrideExistingTargets: true,
    targets: rendered,
  };
}

function renderTemplates(owner: string, templates: readonly CustomizationConfigTemplate[], targets: readonly CustomizationTarget[]) {
  const rendered: Record<string, Record<string, unknown>> = {};
  templates.forEach((template, i) => {
    const prop = `configTemplates[${i}]`;
    const target = targets.find((t) => t.target === template.target);
    if (target === undefined) {
      fail(owner, `${prop}.target "${template.target}" is not one of the targets (${targets.map((t) => t.target).join(", ")})`);
    }
    if (!/^[a-z0-9._-]+@[a-z0-9._+-]+$/i.test(template.name)) {
      fail(owner, `${prop}.name "${template.name}" must be name@version, e.g. llama-3.2-1b-instruct@v1.0.0+L40S`);
    }
    const namespace = template.target.split("/")[0];
    const key = `${namespace}/${template.name}`;
    if (rendered[key] !== undefined) {
      fail(owner, `${prop}.name "${template.name}" is listed twice`);
    }
    if (template.trainingOptions.length === 0) {
      fail(owner, `${prop}.trainingOptions must list at least one option`);
    }
    validateInteger(owner, `${prop}.maxSeqLength`, template.maxSeqLength, 1);
    rendered[key] = {
      name: template.name,
      namespace,
      target: template.target,
      training_options: template.trainingOptions.map((option, j) => renderTrainingOption(owner, `${prop}.trainingOptions[${j}]`, option)),
      max_seq_length: template.maxSeqLength,
      prompt_template: template.promptTemplate ?? "{prompt} {completion}",
    };
  });
  return { overrideExistingTemplates: true, templates: rendered };
}

function renderTrainingOption(owner: string, prop: string, option: TrainingOption) {
  const tensorParallelSize = option.tensorParallelSize ?? 1;
  validateInteger(owner, `${prop}.numGpus`, option.numGpus, 1, 64);
  validateInteger(owner, `${prop}.numNodes`, option.numNodes ?? 1, 1);
  validateInteger(owner, `${prop}.tensorParallelSize`, tensorParallelSize, 1);
  validateInteger(owner, `${prop}.microBatchSize`, option.microBatchSize ?? 1, 1);
  if (option.numGpus % tensorParallelSize !== 0) {
    fail(owner, `${prop}.tensorParallelSize (${tensorParallelSize}) must divide numGpus (${option.numGpus})`);
  }
  return {
    training_type: option.trainingType ?? "sft",
    finetuning_type: option.finetuningType ?? "lora",
    num_gpus: option.numGpus,
    num_nodes: option.numNodes ?? 1,
    tensor_parallel_size: tensorParallelSize,
    micro_batch_size: option.microBatchSize ?? 1,
  };
}
