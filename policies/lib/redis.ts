import { parseImage } from "./images";
import { namespaceOf } from "./kubernetes";
import type { KubernetesObject } from "./kubernetes-object";
import { isRecord } from "./values";
import { podTemplatesOf, type Container, type PodTemplate } from "./workloads";

/**
 * How the pack reads a Redis server's configuration: the containers that run one, their command
 * lines, and the files they read (redis.conf from a ConfigMap, a password file from a Secret).
 * Shared by redis-durable and store-tls-required.
 */

/** Images that run a Redis server. */
export const redisRepositories = new Set(["redis", "valkey"]);

/** Programs that take redis.conf as their first argument: the server, and the official image's entrypoint. */
export const serverPrograms = new Set(["redis-server", "valkey-server", "docker-entrypoint.sh"]);

/** A file a container reads, and what it is made of. */
export interface MountedFile {
  readonly source: "configMap" | "secret" | "emptyDir" | "other";
  /**
   * The file's content in each version of the ConfigMap the stack declares: one in a preview; an
   * offline review of a render edited by hand reviews both versions of what it edited.
   */
  readonly contents: readonly string[];
}

/** The words of a container's command line, quotes and shell escapes stripped. */
export function commandWords(container: Container): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])]
    .flatMap((part) => part.split(/\s+/))
    .map((word) => word.replace(/^["'\\]+|["'\\;]+$/g, ""))
    .filter(Boolean);
}

export function flagValue(words: readonly string[], flag: string): string | undefined {
  const i = words.indexOf(flag);
  return i >= 0 ? words[i + 1] : undefined;
}

/** The Redis servers a stack runs: each pod template whose main container runs a Redis image. */
export function redisServers(object: KubernetesObject): { pod: PodTemplate; container: Container }[] {
  return podTemplatesOf(object).flatMap((pod) =>
    pod.containers
      .filter(({ init, container }) => !init && container.image && redisRepositories.has(parseImage(container.image).repository.split("/").pop() ?? ""))
      .map(({ container }) => ({ pod, container })),
  );
}

/** Resolves a file path inside a container to the volume it is mounted from. */
export function mountedFile(path: string, pod: PodTemplate, container: Container, configMaps: ReadonlyMap<string, readonly KubernetesObject[]>): MountedFile | undefined {
  const mount = (container.volumeMounts ?? []).find((m) => path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/$/, "")}/`));
  const volume = mount && (pod.spec.volumes ?? []).find((v) => v.name === mount.name);
  if (!mount || !volume) {
    return undefined;
  }
  if (volume.secret) {
    return { source: "secret", contents: [] };
  }
  if (volume.emptyDir) {
    return { source: "emptyDir", contents: [] };
  }
  if (!volume.configMap) {
    return { source: "other", contents: [] };
  }
  const relative = path === mount.mountPath ? (mount.subPath ?? "") : path.slice(mount.mountPath.replace(/\/$/, "").length + 1);
  const key = (volume.configMap.items ?? []).find((item) => item.path === relative)?.key ?? relative;
  const versions = configMaps.get(`${namespaceOf(pod.object)}/${volume.configMap.name ?? ""}`) ?? [];
  const contents = versions.map((configMap) => (isRecord(configMap.data) ? configMap.data[key] : undefined));
  return { source: "configMap", contents: contents.filter((c): c is string => typeof c === "string") };
}

/** A Redis server container with what it reads. */
export interface RedisServerConfig {
  readonly pod: PodTemplate;
  readonly container: Container;
  /** Its command line, word by word. */
  readonly words: readonly string[];
  /** Its redis.conf, when it is given one. */
  readonly configFile: MountedFile | undefined;
  /** Resolves a path inside the container to the volume it is mounted from. */
  readonly resolve: (path: string) => MountedFile | undefined;
}

/** Every ConfigMap of a stack by `namespace/name`, in each version it declares. */
export function configMapsByName(objects: readonly { object: KubernetesObject }[]): Map<string, KubernetesObject[]> {
  const configMaps = new Map<string, KubernetesObject[]>();
  for (const { object } of objects.filter(({ object }) => object.kind === "ConfigMap" && object.apiVersion === "v1")) {
    const key = `${namespaceOf(object)}/${object.metadata.name ?? ""}`;
    configMaps.set(key, [...(configMaps.get(key) ?? []), object]);
  }
  return configMaps;
}

/** The Redis servers an object runs, each with its command line and config file resolved. */
export function redisServerConfigs(object: KubernetesObject, configMaps: ReadonlyMap<string, readonly KubernetesObject[]>): RedisServerConfig[] {
  return redisServers(object).map(({ pod, container }) => {
    const words = commandWords(container);
    // The file redis-server is given (directly or through the image's entrypoint), else the first .conf word.
    const serverAt = words.findIndex((w) => serverPrograms.has(w.split("/").pop() ?? ""));
    const configPath = (serverAt >= 0 && words[serverAt + 1]?.endsWith(".conf") ? words[serverAt + 1] : undefined) ?? words.find((w) => w.endsWith(".conf"));
    const resolve = (path: string): MountedFile | undefined => mountedFile(path, pod, container, configMaps);
    return { pod, container, words, configFile: configPath ? resolve(configPath) : undefined, resolve };
  });
}
