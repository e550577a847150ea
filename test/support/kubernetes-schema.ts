import * as models from "kubernetes-models";

type KubernetesModel = new (data: object) => { validate(): void };
type ModelTree = Record<string, Record<string, unknown>>;

/**
 * The kubernetes-models class of a built-in kind (`apps/v1` `StatefulSet` → `models.apps.v1.StatefulSet`);
 * undefined for custom kinds, which are typed by the generated constructs instead.
 */
export function kubernetesModel(apiVersion: string, kind: string): KubernetesModel | undefined {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const tree = models as unknown as ModelTree;
  if (!group) {
    return tree.v1[kind] as KubernetesModel | undefined;
  }
  const key = group.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());
  const versions = tree[key] as Record<string, Record<string, unknown>> | undefined;
  return versions?.[version]?.[kind] as KubernetesModel | undefined;
}
