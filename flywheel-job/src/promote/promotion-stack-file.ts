import { z } from "zod";
import { describeIssues } from "../config/describe-issues";
import { targetsSchema } from "../config/job-config";
import { UsageError } from "../errors";
import { parseStackFile, type YamlPathKey } from "./stack-file-edit";

/**
 * What `flywheel promote` reads of a stack file (`stacks/Pulumi.<stack>.yaml`): the environment,
 * the candidates' images, the workloads' targets, the GPU price and the serving entries. The stack
 * config's own schema (stacks/config/schema) is the judge of the whole file when it is rendered;
 * the job package cannot import it, so this reads only the keys promote uses, leaves every other
 * key alone, and refuses a shape it does not understand rather than guess.
 */

/** The stack config keys promote reads, under the Pulumi project's name (Pulumi.yaml), which namespaces them. */
const keys = {
  environment: "data-flywheel:environment",
  models: "data-flywheel:models",
  flywheel: "data-flywheel:flywheel",
  workloads: "data-flywheel:workloads",
  serving: "data-flywheel:serving",
} as const;

/** Where the serving list is in a stack file, from the document's root. */
export const servingPath: readonly YamlPathKey[] = ["config", keys.serving];

const image = z.looseObject({ repository: z.string().min(1), tag: z.string().min(1) });
const replicas = z.strictObject({ min: z.int().min(0), max: z.int().min(0) });
const scaleOn = z.strictObject({ metric: z.string().min(1), target: z.number() });

/**
 * A serving entry as promote reads it: every key the stack config allows, so that one promote does
 * not know (and would drop when it replaces the entry) is refused; the values it keeps are typed,
 * the ones it replaces are left for the stack config to judge.
 */
const servingEntrySchema = z.strictObject({
  name: z.string().min(1),
  model: z.unknown().optional(),
  image: z.unknown().optional(),
  gpus: z.int().min(1).optional(),
  replicas,
  scaleOn,
  adapter: z.unknown().optional(),
  iclExamplesFrom: z.unknown().optional(),
  clientNamespaces: z.array(z.string().min(1)),
  promotedFrom: z.looseObject({ workloadId: z.string().optional(), clientId: z.string().optional() }).optional(),
});

export type ServingEntryFacts = z.infer<typeof servingEntrySchema>;

const configSchema = z.looseObject({
  [keys.environment]: z.string().min(1),
  [keys.models]: z.looseObject({
    candidates: z.array(z.looseObject({ name: z.string().min(1), image, gpus: z.int().min(1).optional() })).default([]),
  }),
  [keys.flywheel]: z
    .looseObject({
      gpuHourlyCost: z.number().positive().optional(),
      api: z.looseObject({ enabled: z.boolean().optional() }).optional(),
    })
    .optional(),
  [keys.workloads]: z.array(z.looseObject({ workloadId: z.string().min(1), clientId: z.string().min(1), targets: targetsSchema.optional() })).default([]),
  [keys.serving]: z.array(servingEntrySchema).default([]),
});

const documentSchema = z.looseObject({ config: configSchema });

/** The stack file's facts promote plans with. */
export interface StackFileFacts {
  /** The file's name as the user knows it, for messages. */
  readonly file: string;
  /** `data-flywheel:environment: production` is the stack config's production switch. */
  readonly production: boolean;
  readonly candidates: readonly { readonly name: string; readonly image: { readonly repository: string; readonly tag: string }; readonly gpus?: number }[];
  readonly workloads: readonly { readonly workloadId: string; readonly clientId: string; readonly targets?: z.infer<typeof targetsSchema> }[];
  readonly gpuHourlyCost?: number;
  /** `flywheel.api.enabled`, whose default is true: the API serves an entry's in-context examples. */
  readonly apiEnabled: boolean;
  readonly serving: readonly ServingEntryFacts[];
}

/**
 * Reads the facts from a stack file's text. A YAML error, or a key promote reads holding something
 * it does not expect (a serving list that is not a list of entries, an entry with a key the stack
 * config does not have), is a UsageError naming the file and the key.
 */
export function readStackFileFacts(file: string, source: string): StackFileFacts {
  const document = parseStackFile(file, source);
  const parsed = documentSchema.safeParse(document.toJS(), { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ ...issue, path: issue.path[0] === "config" ? issue.path.slice(1) : issue.path }));
    throw new UsageError(`${file} holds what flywheel promote does not expect:`, describeIssues(issues, configSchema));
  }
  const config = parsed.data.config;
  const flywheel = config[keys.flywheel];
  return {
    file,
    production: config[keys.environment] === "production",
    candidates: config[keys.models].candidates,
    workloads: config[keys.workloads],
    gpuHourlyCost: flywheel?.gpuHourlyCost,
    apiEnabled: flywheel?.api?.enabled ?? true,
    serving: config[keys.serving],
  };
}
