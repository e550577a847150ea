import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, validateKubernetesObject } from "../lib/kubernetes";
import { isLiteralSecret, isSecretName } from "../lib/secrets";
import { operatorPodTemplatesOf, podTemplatesOf, type Container } from "../lib/workloads";

/** `$(VAR)`, which the kubelet expands in command and args; `$$(VAR)` is the escaped literal. */
const kubeletReference = /(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g;

/** Words that end one command of a shell line, so the next word names a program again. */
const commandSeparators = new Set([";", "&&", "||", "|", "&"]);

/**
 * Clients whose password flag is a short option, where a generic rule cannot tell it from a port
 * (`redis-cli -p 6379` is a port, `mysql -p…` a password): each program, its flag, and whether the
 * value is attached to the flag (`-psecret`) or the next word.
 */
const shortPasswordFlags: Readonly<Record<string, { readonly flag: string; readonly attached: boolean }>> = {
  mysql: { flag: "-p", attached: true },
  mysqldump: { flag: "-p", attached: true },
  mysqladmin: { flag: "-p", attached: true },
  mariadb: { flag: "-p", attached: true },
  "redis-cli": { flag: "-a", attached: false },
  mongosh: { flag: "-p", attached: false },
  mongo: { flag: "-p", attached: false },
  mongodump: { flag: "-p", attached: false },
  mongorestore: { flag: "-p", attached: false },
};

/** Where a variable of a container comes from, when it comes from a Secret. */
function secretSourceOf(variable: string, container: Container): string | undefined {
  const explicit = (container.env ?? []).find((e) => e.name === variable);
  if (explicit) {
    const ref = explicit.valueFrom?.secretKeyRef;
    return ref ? `Secret "${ref.name ?? "(unnamed)"}" key "${ref.key ?? "(unset)"}"` : undefined;
  }
  // envFrom: the Secret's keys are not in the stack's view of the pod, so any variable its prefix
  // admits may come from it.
  const source = (container.envFrom ?? []).find((e) => e.secretRef !== undefined && variable.startsWith(e.prefix ?? ""));
  return source ? `envFrom Secret "${source.secretRef?.name ?? "(unnamed)"}"` : undefined;
}

/** The words of a command line, quotes stripped, a trailing `;` split off as its own word. */
function words(parts: readonly string[]): string[] {
  return parts
    .flatMap((part) => part.split(/\s+/))
    .flatMap((word) => (word.length > 1 && word.endsWith(";") ? [word.slice(0, -1), ";"] : [word]))
    .map((word) => word.replace(/^["'\\]+|["'\\]+$/g, ""))
    .filter(Boolean);
}

/** What a command line gives away, one finding per secret value, in words a reviewer understands. */
function findingsIn(container: Container): string[] {
  const line = words([...(container.command ?? []), ...(container.args ?? [])]);
  const findings: string[] = [];
  const explained = new Set<number>();
  const secretVariables = (word: string): string[] =>
    [...word.matchAll(kubeletReference)].flatMap((match) => {
      const source = secretSourceOf(match[1], container);
      return source ? [`$(${match[1]}) from ${source}`] : [];
    });
  // A flag's value is a secret when it is a variable (the shell's or the kubelet's) or a literal
  // that can be one: not a number, a boolean, a path, a URL without credentials or an object name.
  const flagged = (flag: string, at: number, value: string): void => {
    if (!value.includes("$") && !isLiteralSecret(value)) {
      return;
    }
    const variables = secretVariables(value);
    findings.push(variables.length > 0 ? `${variables.join(", ")} after ${flag}` : `a value after ${flag}`);
    explained.add(at);
  };
  let program: string | undefined;
  line.forEach((word, i) => {
    if (commandSeparators.has(word)) {
      program = undefined;
      return;
    }
    const name = word.split("/").pop() ?? word;
    if (Object.hasOwn(shortPasswordFlags, name)) {
      program = name;
      return;
    }
    const long = /^--([A-Za-z][\w-]*)(=(.*))?$/.exec(word);
    if (long && isSecretName(long[1])) {
      if (long[3] !== undefined && long[3] !== "") {
        flagged(`--${long[1]}`, i, long[3]);
      } else if (long[2] === undefined && line[i + 1] !== undefined && !line[i + 1].startsWith("-") && !commandSeparators.has(line[i + 1])) {
        flagged(`--${long[1]}`, i + 1, line[i + 1]);
      }
      return;
    }
    const short = program ? shortPasswordFlags[program] : undefined;
    if (short && short.attached && word.startsWith(short.flag) && word.length > short.flag.length) {
      flagged(`${short.flag} of ${program}`, i, word.slice(short.flag.length));
    } else if (short && !short.attached && word === short.flag && line[i + 1] !== undefined && !commandSeparators.has(line[i + 1])) {
      flagged(`${short.flag} of ${program}`, i + 1, line[i + 1]);
    }
  });
  line.forEach((word, i) => {
    if (!explained.has(i)) {
      findings.push(...secretVariables(word));
    }
  });
  return findings;
}

/**
 * A password on a command line is in the pod spec after the kubelet expands `$(VAR)`, in the
 * container runtime's config on the node, and in `/proc/<pid>/cmdline`, readable by anything that
 * shares the node's or the pod's process namespace; a Secret read from a file or the environment
 * is not. Checks every pod template the stack writes, the NIM operator's resources (`spec.command`,
 * `spec.args`) and the pod templates of the ECK and MongoDB resources. A shell reading a Secret
 * variable itself (`sh -c 'cli --password "$PASSWORD"'`) is caught by its flag; one that hides the
 * value in an unnamed flag is not.
 */
export const noSecretOnCommandLine: ResourceValidationPolicy = {
  name: "no-secret-on-command-line",
  description:
    "No container command line carries a secret: no $(VAR) expanded from a Secret (env secretKeyRef or envFrom secretRef), and no value after a password flag (--password, --requirepass, --token…, mysql -p…, redis-cli -a, mongosh -p). " +
    "Mandatory: a command line is stored in the node's container runtime config and readable in /proc by every process that can see the program.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Have the program read the secret from a file mounted from the Secret (redis.conf include, --password-file) or from the environment (REDISCLI_AUTH, PGPASSWORD), never from its arguments.",
  validateResource: validateKubernetesObject((object, _args, reportViolation) => {
    for (const pod of [...podTemplatesOf(object), ...operatorPodTemplatesOf(object)]) {
      for (const { name, init, container } of pod.containers) {
        for (const finding of findingsIn(container)) {
          reportViolation(
            `${describeObject(object)}: ${init ? "init container" : "container"} "${name}" has ${finding} on its command line (${pod.path}). ` +
              "Fix: have the program read the secret from a file mounted from the Secret or from an environment variable, not from its arguments.",
          );
        }
      }
    }
  }),
};
