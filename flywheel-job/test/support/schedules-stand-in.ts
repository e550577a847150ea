import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { HttpStandIn, type Reply } from "./http-stand-in";
import { standInKubeconfig } from "./stand-in-kubeconfig";

const status = (code: number, reason: string, message: string): Reply => ({ status: code, body: { kind: "Status", apiVersion: "v1", status: "Failure", reason, message, code } });

/**
 * A stand-in for the part of the Kubernetes API `flywheel serve` calls, at its real REST paths, so
 * @kubernetes/client-node talks to it as to a cluster: listing CronJobs by label selector, creating
 * Jobs (201; 409 for a name that exists; 422 without a name or a pod template).
 */
export class SchedulesStandIn {
  readonly http = new HttpStandIn();
  readonly cronJobs: k8s.V1CronJob[] = [];
  /** Every Job created, as it was sent. */
  readonly createdJobs: k8s.V1Job[] = [];

  constructor(readonly namespace: string) {
    const base = `/apis/batch/v1/namespaces/${namespace}`;
    this.http.route("GET", `${base}/cronjobs`, (request) => ({
      status: 200,
      body: { apiVersion: "batch/v1", kind: "CronJobList", metadata: {}, items: this.cronJobs.filter((cronJob) => selects(request.query.get("labelSelector") ?? "", cronJob.metadata?.labels ?? {})) },
    }));
    this.http.route("POST", `${base}/jobs`, (request) => {
      const job = request.json as k8s.V1Job;
      const name = job.metadata?.name;
      if (!name || job.spec?.template?.spec?.containers === undefined) {
        return status(422, "Invalid", "Job.batch is invalid: metadata.name and spec.template.spec.containers are required");
      }
      if (this.createdJobs.some((created) => created.metadata?.name === name)) {
        return status(409, "AlreadyExists", `jobs.batch "${name}" already exists`);
      }
      this.createdJobs.push(job);
      return { status: 201, body: { ...job, metadata: { ...job.metadata, namespace, uid: `uid-${name}` } } };
    });
  }

  get url(): string {
    return this.http.url;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  /** A kubeconfig that points at this stand-in. */
  kubeconfig(): string {
    return standInKubeconfig(this.url, this.namespace);
  }
}

/** Whether a `key=value,…` selector selects `labels`. */
function selects(selector: string, labels: Readonly<Record<string, string>>): boolean {
  return selector
    .split(",")
    .filter(Boolean)
    .every((term) => {
      const [key, value] = term.split("=");
      return labels[key] === value;
    });
}
