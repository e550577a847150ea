import type { FlywheelJobConfig } from "../../config/job-config";
import type { ModelEndpoints } from "../../http/model-endpoints";
import type { KubernetesApi } from "../../kubernetes/kubernetes-api";
import type { RunLog } from "../../log";
import type { CandidateDeployment, CandidateDeploymentRequest, CandidateDeployments, SweepContext } from "../../platform/candidate-deployments";
import type { PollSettings } from "../../waits/poll-until";
import { candidateNimService, candidateNimServiceName, runSelector } from "./candidate-nim-service";
import { waitUntilModelServed, waitUntilServing } from "./nim-readiness";
import { sweepOrphanedNimServices } from "./nim-service-sweep";

export interface NimServiceDeploymentsProps {
  /** The cluster, in the namespace of the run's Job and of the NIMCaches. */
  readonly kubernetes: KubernetesApi;
  /** Model endpoints with a single attempt per call: the probes of the readiness waits, which poll anyway. */
  readonly probe: ModelEndpoints;
  readonly deployment: FlywheelJobConfig["deployment"];
  /** Entity Store URL the NIMs load LoRA adapters from (`NIM_PEFT_SOURCE`). */
  readonly peftSource: string;
  readonly log: RunLog;
}

/**
 * Candidates as NIMServices of the NIM operator (`candidate-nim-service.ts`) in the job's namespace,
 * serving weights from the NIMCache the stack keeps per candidate model, ready once the operator
 * says so and the NIM lists the model (`nim-readiness.ts`); NIMServices of crashed runs are swept
 * by their owner Job (`nim-service-sweep.ts`).
 */
export class NimServiceDeployments implements CandidateDeployments {
  readonly kind = "NIMService";

  constructor(private readonly props: NimServiceDeploymentsProps) {}

  /** The candidate's NIMCache must exist; one that is not Ready yet only delays the NIM. */
  async prepare(request: CandidateDeploymentRequest, signal: AbortSignal): Promise<CandidateDeployment> {
    const { kubernetes, log } = this.props;
    const { candidate } = request;
    const cache = await kubernetes.nimCacheState(candidate.nimCache, signal);
    if (cache === undefined) {
      throw new Error(`NIMCache ${candidate.nimCache} does not exist in namespace ${kubernetes.namespace}; the stack creates one per candidate model (check the candidate's nimCache)`);
    }
    if (cache.state !== "Ready") {
      log.info(`candidate ${candidate.model}: NIMCache ${candidate.nimCache} is ${cache.state ?? "not ready"}; the NIM starts when it is`);
    }
    return { name: candidateNimServiceName(request.runId, request.index, candidate.model), request };
  }

  async create(deployment: CandidateDeployment, signal: AbortSignal): Promise<void> {
    const { kubernetes, peftSource } = this.props;
    const { request } = deployment;
    await kubernetes.createNimService(
      candidateNimService({
        runId: request.runId,
        workloadId: request.workloadId,
        clientId: request.clientId,
        index: request.index,
        candidate: request.candidate,
        namespace: kubernetes.namespace,
        deployment: this.props.deployment,
        peftSource,
        owner: request.owner,
      }),
      signal,
    );
  }

  awaitServing(deployment: CandidateDeployment, polling: PollSettings, signal: AbortSignal): Promise<string> {
    return waitUntilServing(this.props.kubernetes, this.props.probe, deployment.name, deployment.request.candidate.model, polling, signal);
  }

  awaitModel(url: string, model: string, polling: PollSettings, signal: AbortSignal): Promise<void> {
    return waitUntilModelServed(this.props.probe, url, model, polling, signal);
  }

  remove(deployment: CandidateDeployment, signal: AbortSignal): Promise<boolean> {
    return this.props.kubernetes.deleteNimService(deployment.name, signal);
  }

  async removeAll(runId: string, signal: AbortSignal): Promise<string[]> {
    const { kubernetes, log } = this.props;
    const removed: string[] = [];
    for (const service of await kubernetes.listNimServices(runSelector(runId), signal)) {
      await kubernetes.deleteNimService(service.metadata.name, signal);
      log.info(`deleted NIMService ${service.metadata.name} of run ${runId}`);
      removed.push(service.metadata.name);
    }
    return removed;
  }

  sweep(context: SweepContext, signal: AbortSignal): Promise<string[]> {
    return sweepOrphanedNimServices(this.props.kubernetes, context, this.props.log, signal);
  }
}
