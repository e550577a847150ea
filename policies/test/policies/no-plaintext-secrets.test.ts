import { noPlaintextSecrets } from "../../policies/no-plaintext-secrets";
import { objectViolations } from "../support/policy-review";
import { configMap, edit, flywheelCronJob, nimService, redis } from "../support/fixtures";

const ngcKey = "nvapi-Abc123dEf456GhI789jKl012MnO345pQr678StU";
const envAt = "spec.jobTemplate.spec.template.spec.containers.0.env";
const withEnv = (env: object[]) => edit(flywheelCronJob(), envAt, env);

describe("no-plaintext-secrets", () => {
  it("passes secrets taken from Secrets and plain settings", async () => {
    for (const object of [flywheelCronJob(), nimService(), redis()]) {
      expect(await objectViolations(noPlaintextSecrets, object)).toEqual([]);
    }
    const settings = configMap({
      "config.yaml": "workload_id: support-agent\nelasticsearch:\n  url: https://flywheel-logs-es-http.data.svc:9200\n  password_file: /var/run/secrets/es/password\n  secretName: flywheel-es-reader\nmax_tokens: 512\n",
      LOG_LEVEL: "info",
    });
    expect(await objectViolations(noPlaintextSecrets, settings)).toEqual([]);
  });

  it("catches a plaintext NGC key in env, whatever the variable is called", async () => {
    expect(await objectViolations(noPlaintextSecrets, withEnv([{ name: "NGC_API_KEY", value: ngcKey }]))).toEqual([
      'CronJob flywheel/flywheel-support-agent: container "flywheel" env NGC_API_KEY holds an NGC API key (nvapi-…) in plain text (at spec.jobTemplate.spec.template.spec.containers[0].env). ' +
        "Fix: keep the value in a Secret and reference it (env valueFrom.secretKeyRef, envFrom.secretRef or a Secret volume); set it with `pulumi config set --secret`.",
    ]);
    expect(await objectViolations(noPlaintextSecrets, withEnv([{ name: "EXTRA_ARGS", value: `--key ${ngcKey}` }]))).toEqual([
      expect.stringContaining("env EXTRA_ARGS holds an NGC API key"),
    ]);
  });

  it("catches a literal password under a secret-looking name, including a Pulumi secret rendered into env", async () => {
    expect(await objectViolations(noPlaintextSecrets, withEnv([{ name: "REDIS_PASSWORD", value: "s3cr3t!" }]))).toEqual([
      expect.stringContaining("env REDIS_PASSWORD holds a literal value under a secret-looking name in plain text"),
    ]);
    expect(await objectViolations(noPlaintextSecrets, withEnv([{ name: "HF_TOKEN", value: "[secret]" }]))).toEqual([expect.stringContaining("env HF_TOKEN holds")]);
  });

  it("catches a plaintext NGC key in a ConfigMap, as a value or inside a config file", async () => {
    expect(await objectViolations(noPlaintextSecrets, configMap({ NGC_API_KEY: ngcKey }))).toEqual([
      'ConfigMap flywheel/flywheel-config: "NGC_API_KEY" holds an NGC API key (nvapi-…). ' +
        "Fix: keep the value in a Secret and reference it (env valueFrom.secretKeyRef, envFrom.secretRef or a Secret volume); set it with `pulumi config set --secret`.",
    ]);
    expect(await objectViolations(noPlaintextSecrets, configMap({ "config.yaml": `workload_id: support-agent\nnim:\n  api_key: ${ngcKey}\n` }))).toEqual([
      expect.stringContaining('"config.yaml" line 3 holds an NGC API key'),
    ]);
  });

  it("catches passwords in config files: YAML, JSON, redis.conf and connection URLs", async () => {
    expect(await objectViolations(noPlaintextSecrets, configMap({ "config.yaml": "mongodb:\n  user: flywheel\n  password: hunter22\n" }))).toEqual([
      expect.stringContaining('"config.yaml: password" line 3 holds a literal value under a secret-looking name'),
    ]);
    expect(await objectViolations(noPlaintextSecrets, configMap({ "settings.json": '{"db": {"password": "hunter22"}}' }))).toEqual([
      expect.stringContaining('"settings.json: db.password" holds a literal value'),
    ]);
    expect(await objectViolations(noPlaintextSecrets, configMap({ "redis.conf": "appendonly yes\nrequirepass hunter22\n" }))).toEqual([
      expect.stringContaining('"redis.conf: requirepass" line 2'),
    ]);
    expect(await objectViolations(noPlaintextSecrets, configMap({ MONGODB_URI: "mongodb://flywheel:hunter22@flywheel-db-svc.data.svc:27017/flywheel" }))).toEqual([
      expect.stringContaining('"MONGODB_URI" holds a password inside a URL'),
    ]);
  });

  it("catches a literal password on a command line", async () => {
    const args = edit(redis(), "spec.template.spec.containers.0.args", ["--requirepass", "hunter22"]);
    expect(await objectViolations(noPlaintextSecrets, args)).toEqual([
      expect.stringContaining('StatefulSet data/redis: the command line of container "redis" holds a literal value for a secret-looking flag (--requirepass)'),
    ]);
  });

  it("reads NIM operator env", async () => {
    expect(await objectViolations(noPlaintextSecrets, edit(nimService(), "spec.env", [{ name: "NGC_API_KEY", value: ngcKey }]))).toEqual([
      expect.stringContaining('NIMService flywheel/llm-judge: container "llm-judge" env NGC_API_KEY holds an NGC API key (nvapi-…) in plain text (at spec.env)'),
    ]);
  });

  it("lets the config allow a name that only looks like a secret", async () => {
    const tokenizer = withEnv([{ name: "TOKENIZER", value: "cl100k_base" }, { name: "SECRET_SAUCE", value: "paprika" }]);
    expect(await objectViolations(noPlaintextSecrets, tokenizer)).toEqual([expect.stringContaining("env SECRET_SAUCE")]);
    expect(await objectViolations(noPlaintextSecrets, tokenizer, { allowedNames: ["SECRET_SAUCE"] })).toEqual([]);
  });
});
