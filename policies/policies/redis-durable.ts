import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { describeObject, kubernetesObjectsIn } from "../lib/kubernetes";
import type { KubernetesObject } from "../lib/kubernetes-object";
import { configMapsByName, flagValue, type MountedFile, redisServerConfigs } from "../lib/redis";
import { variableReference } from "../lib/secrets";
import { valueAt } from "../lib/values";
import type { Container, PodTemplate } from "../lib/workloads";

/** Where the official image keeps its data unless `--dir` says otherwise. */
const defaultDataDir = "/data";

export interface RedisDurableConfig {
  /** Redis must require a password (from a Secret). */
  readonly requirePassword: boolean;
  /** Redis must keep an append-only file on a persistent volume. */
  readonly requirePersistence: boolean;
}

export const redisDurableDefaults: RedisDurableConfig = { requirePassword: true, requirePersistence: true };

/** redis.conf directives that read another file: `include` (a file holding `requirepass`) and `aclfile` (users and their passwords). */
const fileDirective = /^\s*(include|aclfile)\s+(\S+)/gm;

/**
 * True when every version of a config file reads a file that holds a password from a Secret: one
 * mounted from a Secret, or one in an emptyDir that the container's command line writes at start
 * while it reads a file mounted from a Secret (an ACL line with the password's hash, say).
 */
function readsSecretFile(configFile: MountedFile, words: readonly string[], resolve: (path: string) => MountedFile | undefined): boolean {
  const readsSecret = words.some((word) => word.startsWith("/") && resolve(word)?.source === "secret");
  const fromSecret = (path: string): boolean => {
    const source = resolve(path)?.source;
    return source === "secret" || (source === "emptyDir" && readsSecret && words.includes(path));
  };
  return configFile.contents.length > 0 && configFile.contents.every((conf) => [...conf.matchAll(fileDirective)].some((match) => fromSecret(match[2])));
}

/** Why a Redis server is not password-protected by a Secret, or undefined when it is. */
function passwordProblem(
  words: readonly string[],
  container: Container,
  configFile: MountedFile | undefined,
  resolve: (path: string) => MountedFile | undefined,
): string | undefined {
  const password = flagValue(words, "--requirepass");
  if (password !== undefined) {
    const reference = variableReference.exec(password);
    if (!reference) {
      return "passes its password as a literal on the command line";
    }
    const variable = reference[1].replace(/^[({]|[)}]$/g, "");
    const fromSecret =
      (container.env ?? []).some((e) => e.name === variable && e.valueFrom?.secretKeyRef !== undefined) ||
      (!(container.env ?? []).some((e) => e.name === variable) && (container.envFrom ?? []).some((e) => e.secretRef !== undefined));
    return fromSecret ? undefined : `takes its password from $${variable}, which does not come from a Secret`;
  }
  if (configFile?.source === "secret") {
    return undefined;
  }
  if (configFile?.source === "configMap" && configFile.contents.some((conf) => /^\s*requirepass\s+\S/m.test(conf))) {
    return "keeps its password in a ConfigMap";
  }
  if (configFile?.source === "configMap" && readsSecretFile(configFile, words, resolve)) {
    return undefined;
  }
  return "requires no password (no redis.conf from a Secret, no include or aclfile of a file from a Secret, no --requirepass)";
}

/** Why a Redis server with this config file would lose data on a restart, or undefined when it keeps an AOF on a persistent volume. */
function persistenceProblem(words: readonly string[], pod: PodTemplate, container: Container, conf: string): string | undefined {
  const appendOnly = flagValue(words, "--appendonly") === "yes" || /^\s*appendonly\s+yes\b/m.test(conf);
  if (!appendOnly) {
    return "keeps no append-only file (appendonly yes, on the command line or in redis.conf)";
  }
  const dataDir = (flagValue(words, "--dir") ?? /^\s*dir\s+(\S+)/m.exec(conf)?.[1] ?? defaultDataDir).replace(/\/$/, "");
  const mount = (container.volumeMounts ?? []).find((m) => m.mountPath.replace(/\/$/, "") === dataDir);
  const claims = ((valueAt(pod.object, "spec.volumeClaimTemplates") ?? []) as readonly { metadata?: { name?: string } }[]).map((t) => t.metadata?.name);
  const volume = (pod.spec.volumes ?? []).find((v) => v.name === mount?.name);
  if (!mount || !(claims.includes(mount.name) || volume?.persistentVolumeClaim !== undefined)) {
    return `does not keep its data directory ${dataDir} on a persistent volume`;
  }
  return undefined;
}

/**
 * Redis holds the flywheel's run queue and locks: it must not be open to every pod in the cluster,
 * and in production it must not forget queued runs on a restart. A stack policy, because a Redis
 * configured through redis.conf is only understood together with the ConfigMap it is mounted from.
 */
export const redisDurable: StackValidationPolicy = {
  name: "redis-durable",
  description:
    "Redis servers require a password that comes from a Secret and, where persistence is required, keep an append-only file on a persistent volume (config requirePassword, requirePersistence). " +
    "Mandatory: an open Redis lets any pod rewrite the run queue, and one without persistence loses it on a restart.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Run redis-server with a redis.conf that includes a file holding requirepass, mounted from a Secret (not --requirepass: no-secret-on-command-line), and appendonly yes, with /data on a volumeClaimTemplate of a StatefulSet.",
  configSchema: {
    properties: {
      requirePassword: { type: "boolean", default: redisDurableDefaults.requirePassword, description: "Require a password from a Secret." },
      requirePersistence: { type: "boolean", default: redisDurableDefaults.requirePersistence, description: "Require an append-only file on a persistent volume." },
    },
  },
  validateStack: (args, reportViolation) => {
    const { requirePassword, requirePersistence } = policyConfig(args, redisDurableDefaults);
    const objects = kubernetesObjectsIn(args.resources);
    const configMaps = configMapsByName(objects);
    const report = (resource: PolicyResource, object: KubernetesObject, container: Container, problem: string, fix: string): void =>
      reportViolation(`${describeObject(object)}: Redis container "${container.name ?? "(unnamed)"}" ${problem}. Fix: ${fix}`, resource.urn);
    for (const { object, resource } of objects) {
      for (const { pod, container, words, configFile, resolve } of redisServerConfigs(object, configMaps)) {
        const password = requirePassword ? passwordProblem(words, container, configFile, resolve) : undefined;
        if (password) {
          report(resource, object, container, password, "mount a file holding requirepass from a Secret and include it from redis.conf (or mount redis.conf from a Secret).");
        }
        const configs = configFile?.contents.length ? configFile.contents : [""];
        const persistence = requirePersistence ? configs.map((conf) => persistenceProblem(words, pod, container, conf)).find(Boolean) : undefined;
        if (persistence) {
          report(resource, object, container, persistence, "turn appendonly on and keep the data directory (/data) on a StatefulSet volumeClaimTemplate.");
        }
      }
    }
  },
};
