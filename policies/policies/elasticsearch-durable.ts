import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { describeObject, isKind, validateKubernetesObject } from "../lib/kubernetes";
import { isRecord, valueAt } from "../lib/values";

export interface ElasticsearchDurableConfig {
  /** Fewest Elasticsearch nodes; from 3 on, 3 of them must be master-eligible (a quorum that survives one loss). */
  readonly minNodes: number;
  /** Every node set keeps its data on a PersistentVolumeClaim it declares itself. */
  readonly requirePersistentVolumes: boolean;
}

export const elasticsearchDurableDefaults: ElasticsearchDurableConfig = { minNodes: 3, requirePersistentVolumes: true };

interface NodeSet {
  readonly name?: string;
  readonly count?: number;
  readonly config?: Record<string, unknown>;
  readonly volumeClaimTemplates?: readonly { readonly metadata?: { readonly name?: string }; readonly spec?: unknown }[];
  readonly podTemplate?: { readonly spec?: { readonly volumes?: readonly { readonly name?: string; readonly emptyDir?: unknown }[] } };
}

/** ECK's data volume: a claim of this name holds the node's data. */
const dataVolume = "elasticsearch-data";

function isMasterEligible(nodeSet: NodeSet): boolean {
  const roles = nodeSet.config?.["node.roles"] ?? valueAt(nodeSet.config, "node.roles");
  return !Array.isArray(roles) || roles.includes("master");
}

/**
 * The log store is the flywheel's only source of truth about production traffic: in production it
 * must survive losing a node (three master-eligible nodes) and a restart (persistent volumes).
 */
export const elasticsearchDurable: ResourceValidationPolicy = {
  name: "elasticsearch-durable",
  description:
    "ECK Elasticsearch clusters have at least minNodes nodes (3 master-eligible from 3 on) and keep data on persistent volumes (config minNodes, requirePersistentVolumes). " +
    "Mandatory: the production log store must survive a node loss and a restart.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Give the Elasticsearch resource nodeSets totalling minNodes, each with a volumeClaimTemplate named elasticsearch-data requesting storage.",
  configSchema: {
    properties: {
      minNodes: { type: "integer", minimum: 1, default: elasticsearchDurableDefaults.minNodes, description: "Fewest Elasticsearch nodes." },
      requirePersistentVolumes: {
        type: "boolean",
        default: elasticsearchDurableDefaults.requirePersistentVolumes,
        description: "Require every node set to declare an elasticsearch-data volume claim (no emptyDir).",
      },
    },
  },
  validateResource: validateKubernetesObject((object, args, reportViolation) => {
    if (!isKind(object, "elasticsearch.k8s.elastic.co", "Elasticsearch")) {
      return;
    }
    const { minNodes, requirePersistentVolumes } = policyConfig(args, elasticsearchDurableDefaults);
    const nodeSets = (valueAt(object, "spec.nodeSets") ?? []) as readonly NodeSet[];
    const count = (sets: readonly NodeSet[]): number => sets.reduce((sum, s) => sum + (s.count ?? 0), 0);
    const total = count(nodeSets);
    const masters = count(nodeSets.filter(isMasterEligible));
    const name = describeObject(object);
    if (total < minNodes) {
      reportViolation(`${name} has ${total} node(s); this environment needs at least ${minNodes}. Fix: raise the nodeSets' count to ${minNodes} in total.`);
    }
    const quorum = Math.min(minNodes, 3);
    if (minNodes >= 3 && masters < quorum) {
      reportViolation(
        `${name} has ${masters} master-eligible node(s): losing one of them stops the cluster. Fix: make ${quorum} nodes master-eligible (node.roles including master).`,
      );
    }
    if (!requirePersistentVolumes) {
      return;
    }
    for (const nodeSet of nodeSets) {
      const set = `${name}: node set "${nodeSet.name ?? "(unnamed)"}"`;
      const ephemeral = (nodeSet.podTemplate?.spec?.volumes ?? []).some((v) => v.name === dataVolume && v.emptyDir !== undefined);
      const claim = (nodeSet.volumeClaimTemplates ?? []).find((t) => t.metadata?.name === dataVolume);
      if (ephemeral) {
        reportViolation(`${set} keeps its data in an emptyDir, which a restart wipes. Fix: remove the ${dataVolume} emptyDir volume and declare a ${dataVolume} volumeClaimTemplate.`);
      } else if (!claim || !isRecord(valueAt(claim.spec, "resources.requests")) || valueAt(claim.spec, "resources.requests.storage") === undefined) {
        reportViolation(
          `${set} declares no ${dataVolume} volumeClaimTemplate with a storage request, so ECK falls back to a 1Gi claim on the default class. ` +
            `Fix: declare a ${dataVolume} volumeClaimTemplate with resources.requests.storage sized for the retention.`,
        );
      }
    }
  }),
};
