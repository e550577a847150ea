import { parse as parseYaml } from "yaml";
import {
  annotationKeys,
  flywheelScheduleContract,
  labelKeys,
  mountedConfigPath,
  promotedFromSchema,
  servingAnnotationKeys,
  servingModelComponent,
  type PromotedFrom,
} from "../../flywheel-job/src/contract";
import { isKind, namespaceOf } from "./kubernetes";
import type { KubernetesObject } from "./kubernetes-object";
import { isRecord, numberOf, valueAt } from "./values";
import { nimGroup, nimReplicaRange, podTemplatesOf, type ReplicaRange } from "./workloads";

/**
 * What the serving policies read of a stack: the NIMServices of its `data-flywheel:serving`
 * entries (labelled and annotated as the job's serving contract says), and the targets each
 * workload's scheduled run is configured with (the job configuration its CronJob mounts).
 */

/** A NIMService that serves one of the stack's `data-flywheel:serving` entries. */
export function isServingModel(object: KubernetesObject): boolean {
  return isKind(object, nimGroup, "NIMService") && object.metadata.labels?.[labelKeys.component] === servingModelComponent;
}

/** The value of one of the serving annotations, when the object carries it. */
export function servingAnnotation(object: KubernetesObject, key: keyof typeof servingAnnotationKeys): string | undefined {
  return object.metadata.annotations?.[servingAnnotationKeys[key]];
}

/** The entry's `replicas` as its annotation records them, when it records a `{min, max}` pair. */
function annotatedReplicas(object: KubernetesObject): ReplicaRange | undefined {
  const text = servingAnnotation(object, "replicas");
  if (text === undefined) {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    const min = numberOf(valueAt(value, "min"));
    const max = numberOf(valueAt(value, "max"));
    return Number.isNaN(min) || Number.isNaN(max) ? undefined : { min, max };
  } catch {
    return undefined;
  }
}

/**
 * The most pods the entry may run, and whether it serves: by the NIMService's own fields (what the
 * operator acts on) or by its `replicas` annotation (the stack file's `replicas.max`), whichever
 * says more, so neither an edited annotation nor an edited spec turns the checks off.
 */
export function servingMaxReplicas(object: KubernetesObject): number {
  return Math.max(nimReplicaRange(object).max, annotatedReplicas(object)?.max ?? 0);
}

/** A serving entry's evidence, or why its annotation is not evidence. */
export type Evidence = { readonly promotedFrom: PromotedFrom } | { readonly problem: string };

export function evidenceOf(object: KubernetesObject): Evidence {
  const key = servingAnnotationKeys.promotedFrom;
  const text = servingAnnotation(object, "promotedFrom");
  if (text === undefined) {
    return { problem: `carries no ${key} annotation` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `has a ${key} annotation that is not JSON (${(error as Error).message})` };
  }
  const parsed = promotedFromSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "the value"}: ${issue.message}`);
    return { problem: `has a ${key} annotation that is not valid evidence (${issues.join("; ")})` };
  }
  return { promotedFrom: parsed.data };
}

/** Scores or targets per metric, as numbers. */
export type MetricValues = Readonly<Record<string, number>>;

/** The targets a workload's scheduled run is configured with, or why they cannot be read. */
export interface WorkloadTargets {
  readonly workloadId: string;
  readonly clientId: string;
  /** Where they were read, for messages: `ConfigMap flywheel/<name>`. */
  readonly source: string;
  readonly targets?: MetricValues;
  readonly problem?: string;
}

function metricValues(value: unknown): MetricValues {
  return isRecord(value) ? Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === "number")) : {};
}

/** The job configuration file a workload's CronJob mounts (`mountedConfigPath`): its ConfigMap's name and key. */
function mountedJobConfig(cronJob: KubernetesObject): { name: string; key: string } | undefined {
  for (const pod of podTemplatesOf(cronJob)) {
    const view = pod.containers.find(({ init, container }) => !init && container.name === flywheelScheduleContract.containerName);
    const mount = view?.container.volumeMounts?.find((m) => m.mountPath === mountedConfigPath);
    const volume = mount && pod.spec.volumes?.find((v) => v.name === mount.name);
    const name = volume?.configMap?.name;
    if (mount && name) {
      const relative = mount.subPath ?? mountedConfigPath.slice(mountedConfigPath.lastIndexOf("/") + 1);
      const key = volume.configMap?.items?.find((item) => item.path === relative)?.key ?? relative;
      return { name, key };
    }
  }
  return undefined;
}

/**
 * The current targets of every workload the stack schedules: each flywheel CronJob (labelled as the
 * Flywheel API finds them, its pair in its annotations) and the `targets` of the job configuration
 * it mounts. A ConfigMap declared twice (a hand-edited offline render) gives one entry per version.
 */
export function workloadTargetsIn(objects: readonly KubernetesObject[]): WorkloadTargets[] {
  return objects
    .filter((object) => isKind(object, "batch", "CronJob") && object.metadata.labels?.[labelKeys.component] === flywheelScheduleContract.component)
    .flatMap((cronJob): WorkloadTargets[] => {
      const workloadId = cronJob.metadata.annotations?.[annotationKeys.workload];
      const clientId = cronJob.metadata.annotations?.[annotationKeys.client];
      if (workloadId === undefined || clientId === undefined) {
        return [];
      }
      const namespace = namespaceOf(cronJob);
      const mounted = mountedJobConfig(cronJob);
      if (!mounted) {
        return [{ workloadId, clientId, source: `CronJob ${namespace}/${cronJob.metadata.name ?? ""}`, problem: `mounts no job configuration at ${mountedConfigPath}` }];
      }
      const source = `ConfigMap ${namespace}/${mounted.name}`;
      const versions = objects.filter((o) => isKind(o, "core", "ConfigMap") && namespaceOf(o) === namespace && o.metadata.name === mounted.name);
      if (versions.length === 0) {
        return [{ workloadId, clientId, source, problem: "is not in the stack" }];
      }
      return versions.map((configMap): WorkloadTargets => {
        // The key has a dot (config.yaml): read it directly, not by a dotted path.
        const text = isRecord(configMap.data) ? configMap.data[mounted.key] : undefined;
        if (typeof text !== "string") {
          return { workloadId, clientId, source, problem: `has no key ${mounted.key}` };
        }
        try {
          return { workloadId, clientId, source, targets: metricValues(valueAt(parseYaml(text), "targets")) };
        } catch (error) {
          return { workloadId, clientId, source, problem: `holds a ${mounted.key} that is not YAML (${(error as Error).message.split("\n")[0]})` };
        }
      });
    });
}

/** `{accuracy: 0.8, f1: 0.7}` as `accuracy 0.8, f1 0.7`, sorted by metric, or `none`. */
export function metricList(values: MetricValues): string {
  const entries = Object.entries(values).sort(([a], [b]) => a.localeCompare(b));
  return entries.length > 0 ? entries.map(([metric, value]) => `${metric} ${value}`).join(", ") : "none";
}

function sameMetrics(a: MetricValues, b: MetricValues): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((metric) => b[metric] === a[metric]);
}

/**
 * Where an entry's evidence falls short of its workload's bar: recorded targets other than the
 * workload's current ones (an entry must not set its own bar), and recorded scores below the
 * recorded targets. Empty when it meets the bar.
 */
export function evidenceShortfalls(promotedFrom: PromotedFrom, workload: WorkloadTargets & { readonly targets: MetricValues }): string[] {
  const recordedTargets = metricValues(promotedFrom.targets);
  const scores = metricValues(promotedFrom.scores);
  const shortfalls: string[] = [];
  if (!sameMetrics(recordedTargets, workload.targets)) {
    shortfalls.push(
      `it records the targets ${metricList(recordedTargets)}, but workload "${workload.workloadId}" (client "${workload.clientId}") now has ${metricList(workload.targets)} (${workload.source})`,
    );
  }
  const below = Object.entries(recordedTargets)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([metric, target]) => {
      const score = scores[metric];
      return score === undefined ? [`${metric} has no score (target ${target})`] : score < target ? [`${metric} ${score} < ${target}`] : [];
    });
  if (below.length > 0) {
    shortfalls.push(`its scores miss its targets: ${below.join(", ")}`);
  }
  return shortfalls;
}
