import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { describeObject, isKind, kubernetesObjectsIn } from "../lib/kubernetes";
import type { KubernetesObject } from "../lib/kubernetes-object";
import { configMapsByName, flagValue, redisServerConfigs, type RedisServerConfig } from "../lib/redis";
import { isRecord, valueAt } from "../lib/values";
import { podTemplatesOf } from "../lib/workloads";

/** An RDS parameter group's inputs, as far as this policy reads them. */
interface ParameterGroupInputs {
  readonly family?: string;
  readonly parameters?: readonly { readonly name?: string; readonly value?: string }[];
}

/** The first RDS for PostgreSQL major whose rds.force_ssl defaults to 1. */
const firstForceSslMajor = 15;

/** Connection strings that would send credentials and data in plaintext, with what to use instead. */
const plaintextConnections: readonly { readonly pattern: RegExp; readonly what: string; readonly fix: string }[] = [
  { pattern: /\bredis:\/\//, what: "a redis:// URL", fix: "use rediss:// and the stack CA" },
  { pattern: /\bmongodb(\+srv)?:\/\/(?![^\s"']*[?&](tls|ssl)=true)/, what: "a mongodb:// URL without tls=true", fix: "add tls=true and pass the stack CA" },
  { pattern: /\bsslmode=disable\b/, what: "sslmode=disable", fix: "use sslmode=require or stricter" },
];

/** Why a Redis server accepts plaintext connections, or undefined when it serves TLS only. */
function redisPlaintextProblem(server: RedisServerConfig): string | undefined {
  const configs = server.configFile?.contents.length ? server.configFile.contents : [""];
  for (const conf of configs) {
    const tlsPort = flagValue(server.words, "--tls-port") ?? /^\s*tls-port\s+(\d+)/m.exec(conf)?.[1];
    const port = flagValue(server.words, "--port") ?? /^\s*port\s+(\d+)/m.exec(conf)?.[1];
    if (tlsPort === undefined || tlsPort === "0") {
      return "serves no TLS port (tls-port)";
    }
    if (port !== "0") {
      return `also serves plaintext on port ${port ?? "6379 (the default)"}`;
    }
  }
  return undefined;
}

/** Why an ECK Elasticsearch serves plaintext HTTP, or undefined. */
function elasticsearchPlaintextProblem(object: KubernetesObject): string | undefined {
  return valueAt(object, "spec.http.tls.selfSignedCertificate.disabled") === true ? "turns HTTP TLS off (spec.http.tls.selfSignedCertificate.disabled)" : undefined;
}

/** Why a MongoDBCommunity accepts plaintext connections, or undefined. */
function mongodbPlaintextProblem(object: KubernetesObject): string | undefined {
  if (valueAt(object, "spec.security.tls.enabled") !== true) {
    return "does not enable TLS (spec.security.tls.enabled)";
  }
  return valueAt(object, "spec.security.tls.optional") === true ? "accepts plaintext next to TLS (spec.security.tls.optional)" : undefined;
}

/** The plain-text values a reviewer can read: ConfigMap data and literal container environment values. */
function readableValues(object: KubernetesObject): { where: string; value: string }[] {
  if (isKind(object, "core", "ConfigMap") && isRecord(object.data)) {
    return Object.entries(object.data).flatMap(([key, value]) => (typeof value === "string" ? [{ where: `data.${key}`, value }] : []));
  }
  return podTemplatesOf(object).flatMap((pod) =>
    pod.containers.flatMap(({ container }) =>
      (container.env ?? []).flatMap((e) => (typeof e.value === "string" ? [{ where: `container "${container.name ?? "(unnamed)"}" env ${e.name}`, value: e.value }] : [])),
    ),
  );
}

/**
 * Every store the stack runs serves TLS only, and nothing it declares in plain sight connects to one
 * in plaintext. Credentials to Redis, MongoDB, Elasticsearch and PostgreSQL cross the pod network,
 * which any pod on a node can observe; a server that refuses plaintext makes a plaintext client fail
 * at once instead of leaking quietly. Secret values are not readable here (they are masked in a
 * render), which is why the servers' own settings are the rule and readable connection strings the
 * second line.
 */
export const storeTlsRequired: StackValidationPolicy = {
  name: "store-tls-required",
  description:
    "Redis serves TLS only (tls-port, port 0); MongoDBCommunity enables TLS and does not make it optional; ECK Elasticsearch keeps HTTP TLS on; an RDS PostgreSQL parameter group sets rds.force_ssl=1; " +
    "no ConfigMap or literal environment value holds a redis://, a mongodb:// without tls=true, or sslmode=disable. Mandatory: store credentials must not cross the pod network in plaintext.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Serve each store with a certificate from the stack CA (README, \"Security model\"): Redis with tls-port and port 0, MongoDB with spec.security.tls, RDS with rds.force_ssl=1; connect with rediss://, tls=true and sslmode=require or stricter.",
  validateStack: (args, reportViolation) => {
    const objects = kubernetesObjectsIn(args.resources);
    const configMaps = configMapsByName(objects);
    const report = (resource: PolicyResource, message: string): void => reportViolation(message, resource.urn);
    for (const { object, resource } of objects) {
      for (const server of redisServerConfigs(object, configMaps)) {
        const problem = redisPlaintextProblem(server);
        if (problem) {
          report(resource, `${describeObject(object)}: Redis container "${server.container.name ?? "(unnamed)"}" ${problem}. Fix: set tls-port and port 0 in redis.conf, with a certificate from the stack CA.`);
        }
      }
      const storeProblem = isKind(object, "mongodbcommunity.mongodb.com", "MongoDBCommunity")
        ? mongodbPlaintextProblem(object)
        : isKind(object, "elasticsearch.k8s.elastic.co", "Elasticsearch")
          ? elasticsearchPlaintextProblem(object)
          : undefined;
      if (storeProblem) {
        report(resource, `${describeObject(object)} ${storeProblem}. Fix: serve TLS with a certificate from the stack CA and refuse plaintext.`);
      }
      for (const { where, value } of readableValues(object)) {
        for (const connection of plaintextConnections.filter((c) => c.pattern.test(value))) {
          report(resource, `${describeObject(object)}: ${where} holds ${connection.what}. Fix: ${connection.fix}.`);
        }
      }
    }
    for (const resource of args.resources.filter((r) => r.type === "aws:rds/parameterGroup:ParameterGroup")) {
      const inputs = resource.props as ParameterGroupInputs;
      if (!inputs.family?.startsWith("postgres")) {
        continue;
      }
      const forceSsl = (inputs.parameters ?? []).find((p) => p.name === "rds.force_ssl")?.value;
      // RDS for PostgreSQL 15 and later defaults rds.force_ssl to 1; earlier majors default to 0.
      const major = Number(/^postgres(\d+)/.exec(inputs.family)?.[1] ?? 0);
      const effective = forceSsl ?? (major >= firstForceSslMajor ? "1" : "0");
      if (effective !== "1") {
        const setting = forceSsl === undefined ? `leaves rds.force_ssl at ${inputs.family}'s default, 0` : `sets rds.force_ssl to ${forceSsl}`;
        report(resource, `RDS parameter group ${resource.name} ${setting}, so the server accepts plaintext logins. Fix: set rds.force_ssl to 1.`);
      }
    }
  },
};
