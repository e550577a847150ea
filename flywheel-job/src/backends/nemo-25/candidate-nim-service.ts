import type { CandidateModel, FlywheelJobConfig } from "../../config/job-config";
import { nimApiGroup, nimApiVersion, type NimServiceObject, type OwnerReference } from "../../kubernetes/kubernetes-api";
import { annotationKeys, candidateNimComponent, labelKeys, labelValue, nameFragment } from "../../kubernetes/labels";

/** The port a NIM serves the OpenAI API on. */
export const nimPort = 8000;

export interface CandidateNimServiceProps {
  readonly runId: string;
  readonly workloadId: string;
  readonly clientId: string;
  /** Position of the candidate in the config: keeps names unique when model names shorten alike. */
  readonly index: number;
  readonly candidate: CandidateModel;
  readonly namespace: string;
  readonly deployment: FlywheelJobConfig["deployment"];
  /** Entity Store URL the NIM loads LoRA adapters from (NIM_PEFT_SOURCE). */
  readonly peftSource: string;
  /** The Job running the run; the NIMService is garbage-collected with it. Absent outside a Job. */
  readonly owner?: { readonly name: string; readonly uid: string };
}

/** NIMService name: `fw-<run id>-<index>-<model>`, a DNS label of at most 63 characters. */
export function candidateNimServiceName(runId: string, index: number, model: string): string {
  const prefix = `fw-${runId}-${index}`;
  const model_ = nameFragment(model.slice(model.lastIndexOf("/") + 1), 63 - prefix.length - 1);
  return model_ ? `${prefix}-${model_}` : prefix;
}

/** Label selector of every NIMService a run created. */
export function runSelector(runId: string): string {
  return `${labelKeys.runId}=${runId}`;
}

/**
 * A candidate's NIMService: on the inference GPU pool (its taint tolerated, its label selected),
 * weights from the candidate's NIMCache (which outlives runs), LoRA adapters from Entity Store,
 * labelled with the run and workload and, on its pods too, with the component the namespace's
 * NetworkPolicies let through, owned by the run's Job so that it goes when the Job goes, with the
 * guided-decoding backend its tool-calling evaluations rely on, and with its metrics and
 * ServiceMonitor when the configuration names the labels Prometheus selects monitors by.
 */
export function candidateNimService(props: CandidateNimServiceProps): NimServiceObject {
  const { candidate, deployment } = props;
  const name = candidateNimServiceName(props.runId, props.index, candidate.model);
  const labels = {
    [labelKeys.runId]: props.runId,
    [labelKeys.workload]: labelValue(props.workloadId),
    [labelKeys.component]: candidateNimComponent,
    [labelKeys.partOf]: "data-flywheel",
    [labelKeys.managedBy]: "flywheel-job",
  };
  const ownerReferences: OwnerReference[] = props.owner
    ? [{ apiVersion: "batch/v1", kind: "Job", name: props.owner.name, uid: props.owner.uid, controller: false, blockOwnerDeletion: false }]
    : [];
  return {
    apiVersion: `${nimApiGroup}/${nimApiVersion}`,
    kind: "NIMService",
    metadata: {
      name,
      namespace: props.namespace,
      labels,
      annotations: { [annotationKeys.workload]: props.workloadId, [annotationKeys.client]: props.clientId, [annotationKeys.model]: candidate.model },
      ...(ownerReferences.length > 0 ? { ownerReferences } : {}),
    },
    spec: {
      image: {
        repository: candidate.image.repository,
        tag: candidate.image.tag,
        pullPolicy: "IfNotPresent",
        ...(deployment.pullSecrets.length > 0 ? { pullSecrets: [...deployment.pullSecrets] } : {}),
      },
      authSecret: deployment.authSecret,
      storage: { nimCache: { name: candidate.nimCache } },
      replicas: 1,
      resources: {
        requests: { cpu: deployment.resources.cpuRequest, memory: deployment.resources.memoryRequest },
        limits: { cpu: deployment.resources.cpuLimit, memory: deployment.resources.memoryLimit, "nvidia.com/gpu": candidate.gpus },
      },
      nodeSelector: { ...deployment.nodeSelector },
      tolerations: deployment.tolerations.map((t) => ({ ...t })),
      // Labels of the NIM's pods: the NetworkPolicies admit traffic to and from them by the component.
      labels: { ...labels },
      env: [
        { name: "NIM_PEFT_SOURCE", value: props.peftSource },
        { name: "NIM_PEFT_REFRESH_INTERVAL", value: String(deployment.loraRefreshSeconds) },
        ...(candidate.guidedDecodingBackend === null ? [] : [{ name: "NIM_GUIDED_DECODING_BACKEND", value: candidate.guidedDecodingBackend }]),
      ],
      expose: { service: { type: "ClusterIP", port: nimPort } },
      // The NIM operator makes the ServiceMonitor (when prometheus-operator's CRD exists), with the
      // labels the cluster's Prometheus selects by; without them the NIM is not scraped.
      ...(deployment.monitorLabels ? { metrics: { enabled: true, serviceMonitor: { additionalLabels: { ...deployment.monitorLabels } } } } : {}),
    },
  };
}
