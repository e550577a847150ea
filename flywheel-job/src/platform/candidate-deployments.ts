import type { CandidateModel } from "../config/job-config";
import type { PollSettings } from "../waits/poll-until";

/** What a run asks to have deployed: one candidate model, for one run. */
export interface CandidateDeploymentRequest {
  readonly runId: string;
  readonly workloadId: string;
  readonly clientId: string;
  /** Position of the candidate in the config: keeps names unique when model names shorten alike. */
  readonly index: number;
  readonly candidate: CandidateModel;
  /** The Kubernetes Job running the run, which owns what it deploys; absent outside a Job. */
  readonly owner?: { readonly name: string; readonly uid: string };
}

/** A candidate's deployment, named before it is created (so a creation cut off in flight can still be deleted). */
export interface CandidateDeployment {
  /** The name it has on the platform (recorded as `nims.nim_service`). */
  readonly name: string;
  readonly request: CandidateDeploymentRequest;
}

/** What the sweep of deployments that crashed runs left behind needs to know of the run records. */
export interface SweepContext {
  /** The Job running this run, if it runs in one. */
  readonly currentJob?: { readonly name: string; readonly uid: string };
  /** Whether a run has finished: true, false, or undefined when the store does not know the run. */
  readonly runFinished: (runId: string) => Promise<boolean | undefined>;
}

/**
 * Where a run's candidates are served: deploy one, wait until it serves, wait for a fine-tuned
 * adapter to appear on it, and remove it; and, because a process can die, remove whatever a run
 * left behind. How many GPUs a candidate may hold and when is the run's business (its GPU budget),
 * not the platform's.
 */
export interface CandidateDeployments {
  /** What a deployment is called on this platform, for messages, e.g. `NIMService`. */
  readonly kind: string;
  /** Checks what the deployment needs before it can start (e.g. its cached weights) and names it; creates nothing. */
  prepare(request: CandidateDeploymentRequest, signal: AbortSignal): Promise<CandidateDeployment>;
  create(deployment: CandidateDeployment, signal: AbortSignal): Promise<void>;
  /**
   * Waits until the deployment serves its candidate's model (the stall timeout of `polling` restarts
   * whenever the deployment moves) and returns its OpenAI-compatible root URL: chat completions are
   * at `<url>/v1/chat/completions`. Throws when the deployment failed.
   */
  awaitServing(deployment: CandidateDeployment, polling: PollSettings, signal: AbortSignal): Promise<string>;
  /** Waits until the endpoint at `url` serves `model` too: a fine-tuned adapter, once the platform has loaded it. */
  awaitModel(url: string, model: string, polling: PollSettings, signal: AbortSignal): Promise<void>;
  /** Deletes the deployment; false when it was already gone. */
  remove(deployment: CandidateDeployment, signal: AbortSignal): Promise<boolean>;
  /** Deletes every deployment of the run still there (one whose own removal failed) and returns their names. */
  removeAll(runId: string, signal: AbortSignal): Promise<string[]>;
  /** Deletes the deployments of runs that ended without removing them, and returns their names. */
  sweep(context: SweepContext, signal: AbortSignal): Promise<string[]>;
}
