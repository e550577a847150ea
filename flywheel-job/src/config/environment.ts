import { z } from "zod";
import { UsageError } from "../errors";
import { describeIssues } from "./describe-issues";
import type { FlywheelJobConfig } from "./job-config";

/**
 * Connections and secrets come from environment variables (in the cluster: Secrets and the downward
 * API), never from the config file. Every variable is optional here; a command asks for the ones it
 * needs with `requireSetting`, which names the variable when it is missing.
 */

const url = (protocols: RegExp, example: string) => z.url({ protocol: protocols, error: `expected a URL such as ${example}` });
const http = url(/^https?$/, "http://host:port");
const text = z.string().min(1, "is set but empty");
/**
 * A MongoDB connection string is not a URL: a replica set's lists its members, `mongodb://a:27017,b:27017/db`.
 * The scheme and a host are checked here; the driver reads the rest when it connects.
 */
const mongoConnectionString = z.string().regex(/^mongodb(\+srv)?:\/\/([^@/?#\s]*@)?[^@/?#\s]+/, "expected a connection string such as mongodb://host:27017");

const environmentSchema = z
  .object({
    ELASTICSEARCH_URL: http.optional(),
    ELASTICSEARCH_USERNAME: text.optional(),
    ELASTICSEARCH_PASSWORD: text.optional(),
    ELASTICSEARCH_API_KEY: text.optional(),
    /** PEM file with the CA that signed Elasticsearch's certificate. */
    ELASTICSEARCH_CA_FILE: text.optional(),
    MONGODB_URL: mongoConnectionString.optional(),
    /** PEM file with the CA that signed MongoDB's certificate: set, the job connects only with TLS and verifies against it. */
    MONGODB_CA_FILE: text.optional(),
    /** @default "flywheel" */
    MONGODB_DATABASE: text.optional(),
    REDIS_URL: url(/^rediss?$/, "rediss://host:6379").optional(),
    /**
     * PEM file with the CA that signed Redis's certificate, for a `rediss://` REDIS_URL. Unset, a
     * rediss URL is verified against the system's CAs (Node's bundled roots).
     */
    REDIS_CA_FILE: text.optional(),
    NEMO_BASE_URL: http.optional(),
    NEMO_ENTITY_STORE_URL: http.optional(),
    NEMO_DATA_STORE_URL: http.optional(),
    NEMO_CUSTOMIZER_URL: http.optional(),
    NEMO_EVALUATOR_URL: http.optional(),
    /** API key of a remote judge endpoint. */
    JUDGE_API_KEY: text.optional(),
    /** API key of the embedding endpoint, if it needs one. */
    EMBEDDING_API_KEY: text.optional(),
    /** The Job running this pod (downward API): NIMServices are owner-referenced to it. */
    FLYWHEEL_JOB_NAME: text.optional(),
    FLYWHEEL_JOB_UID: text.optional(),
    /** Namespace of the Job, its NIMServices and the NIMCaches. */
    FLYWHEEL_NAMESPACE: text.optional(),
    /** The Pushgateway the run pushes its metrics to (flywheel-job/README.md, "Metrics"); unset: nothing is pushed. */
    FLYWHEEL_PUSHGATEWAY_URL: http.optional(),
    /** The MLflow tracking server each completed evaluation is logged to (flywheel-job/README.md, "MLflow"); unset: nothing is logged. */
    FLYWHEEL_MLFLOW_URL: http.optional(),
    /** Kubernetes configuration file(s) when not running in the cluster. */
    KUBECONFIG: text.optional(),
    /** Set by Kubernetes in every pod: the job then uses its service account. */
    KUBERNETES_SERVICE_HOST: text.optional(),
    /** The user's home directory, where `~/.kube/config` is looked for last. @default the process's */
    HOME: text.optional(),
  })
  .superRefine((env, ctx) => {
    if (env.REDIS_CA_FILE !== undefined && !env.REDIS_URL?.startsWith("rediss://")) {
      // A CA for a plaintext (or absent) connection would be ignored: say so rather than connect unverified.
      ctx.addIssue({ code: "custom", path: ["REDIS_CA_FILE"], input: undefined, message: "is set, so REDIS_URL must be a rediss:// URL" });
    }
    if ((env.ELASTICSEARCH_USERNAME === undefined) !== (env.ELASTICSEARCH_PASSWORD === undefined)) {
      const missing = env.ELASTICSEARCH_USERNAME === undefined ? "ELASTICSEARCH_USERNAME" : "ELASTICSEARCH_PASSWORD";
      ctx.addIssue({ code: "custom", path: [missing], input: undefined, message: "is required when the other half of the Elasticsearch basic-auth pair is set" });
    }
    if (env.ELASTICSEARCH_API_KEY !== undefined && env.ELASTICSEARCH_USERNAME !== undefined) {
      ctx.addIssue({ code: "custom", path: ["ELASTICSEARCH_API_KEY"], input: undefined, message: "set either ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/PASSWORD, not both" });
    }
  });

const secretVariables: ReadonlySet<string> = new Set([
  "ELASTICSEARCH_URL",
  "ELASTICSEARCH_PASSWORD",
  "ELASTICSEARCH_API_KEY",
  "MONGODB_URL",
  "REDIS_URL",
  "JUDGE_API_KEY",
  "EMBEDDING_API_KEY",
]);

export type EnvironmentVariable = keyof z.output<typeof environmentSchema>;

/**
 * The job's environment variables by name (`jobEnvironment.MONGODB_URL` is "MONGODB_URL"): what the
 * stack sets on the CronJob, spelt once.
 */
export const jobEnvironment: { readonly [Name in EnvironmentVariable]: Name } = environmentSchema.keyof().enum;

/** The validated environment: only the variables this program reads. */
export type FlywheelEnvironment = Readonly<Partial<Record<EnvironmentVariable, string>>>;

/** Reads and validates the environment. Throws UsageError listing every bad variable (values of secrets are never printed). */
export function loadEnvironment(env: NodeJS.ProcessEnv): FlywheelEnvironment {
  const relevant = Object.fromEntries(Object.keys(environmentSchema.shape).flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])));
  const parsed = environmentSchema.safeParse(relevant, { reportInput: true });
  if (!parsed.success) {
    throw new UsageError("the environment is not valid:", describeIssues(parsed.error.issues, environmentSchema, { secretKeys: secretVariables }));
  }
  return parsed.data;
}

/** The value of a variable a command needs; the error says what it is needed for. */
export function requireSetting(environment: FlywheelEnvironment, name: EnvironmentVariable, neededFor: string): string {
  const value = environment[name];
  if (value === undefined) {
    throw new UsageError(`${name} is not set; it is needed ${neededFor}`);
  }
  return value;
}

export interface NemoServiceUrls {
  readonly entityStore?: string;
  readonly dataStore?: string;
  readonly customizer?: string;
  readonly evaluator?: string;
}

/**
 * Where each NeMo service is. Per service, the first that is set wins: its own environment variable,
 * its own config key, `NEMO_BASE_URL`, `nemo.baseUrl`. The environment wins over the file so one
 * config can be reused across clusters.
 */
export function resolveNemoServiceUrls(nemo: FlywheelJobConfig["nemo"], environment: FlywheelEnvironment): NemoServiceUrls {
  const base = environment.NEMO_BASE_URL ?? nemo.baseUrl;
  const pick = (fromEnvironment: string | undefined, fromConfig: string | undefined): string | undefined =>
    (fromEnvironment ?? fromConfig ?? base)?.replace(/\/+$/, "");
  return {
    entityStore: pick(environment.NEMO_ENTITY_STORE_URL, nemo.entityStoreUrl),
    dataStore: pick(environment.NEMO_DATA_STORE_URL, nemo.dataStoreUrl),
    customizer: pick(environment.NEMO_CUSTOMIZER_URL, nemo.customizerUrl),
    evaluator: pick(environment.NEMO_EVALUATOR_URL, nemo.evaluatorUrl),
  };
}
