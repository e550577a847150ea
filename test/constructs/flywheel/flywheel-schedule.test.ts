import { Chart, Duration, Testing } from "cdk8s";
import { parse } from "yaml";
import { FlywheelSchedule, scheduleName, type FlywheelScheduleProps } from "../../../constructs/flywheel/flywheel-schedule";
import { annotationKeys, flywheelScheduleContract, parseJobConfig } from "../../../flywheel-job/src/contract";
import { podSecurityViolations } from "../../../policies/lib/pod-security";

const image = `ghcr.io/acme/flywheel-job@sha256:${"a".repeat(64)}`;

const props: FlywheelScheduleProps = {
  namespace: "flywheel",
  jobConfig: {
    workloadId: "customer-support-agent",
    clientId: "support-app",
    candidates: [{ model: "meta/llama-3.2-1b-instruct", image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.12.0" }, customize: false }],
    judge: { url: "https://integrate.api.nvidia.com/v1/chat/completions", modelId: "meta/llama-3.3-70b-instruct" },
    targets: { function_name_and_args_accuracy: 0.95 },
  },
  schedule: "0 3 * * 1",
  image,
  serviceAccountName: "flywheel-job",
  environmentSecrets: ["flywheel-data-connections", "flywheel-model-keys"],
  certificateAuthority: { name: "flywheel-logs-ca", key: "ca.crt" },
  podLabels: { "app.kubernetes.io/component": "flywheel-job" },
};

interface Synthesized {
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec: {
    concurrencyPolicy: string;
    startingDeadlineSeconds: number;
    schedule: string;
    jobTemplate: {
      spec: {
        activeDeadlineSeconds: number;
        backoffLimit: number;
        ttlSecondsAfterFinished: number;
        podFailurePolicy: { rules: { action: string; onExitCodes?: { values: number[] }; onPodConditions?: { type: string; status: string }[] }[] };
        template: {
          metadata: { labels: Record<string, string> };
          spec: {
            restartPolicy: string;
            terminationGracePeriodSeconds: number;
            serviceAccountName: string;
            securityContext: Record<string, unknown>;
            containers: {
              name: string;
              image: string;
              args: string[];
              env: { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[];
              envFrom: { secretRef: { name: string } }[];
              resources: { requests: Record<string, string>; limits: Record<string, string> };
              securityContext: Record<string, unknown>;
              volumeMounts: { mountPath: string }[];
            }[];
          };
        };
      };
    };
  };
}

function synth(overrides: Partial<FlywheelScheduleProps> = {}): { cronJob: Synthesized; configMap: Synthesized } {
  const chart = new Chart(Testing.app(), "test");
  new FlywheelSchedule(chart, "schedule", { ...props, ...overrides });
  const objects = Testing.synth(chart) as Synthesized[];
  const find = (kind: string): Synthesized => {
    const found = objects.find((o) => o.kind === kind);
    if (!found) {
      throw new Error(`no ${kind}`);
    }
    return found;
  };
  return { cronJob: find("CronJob"), configMap: find("ConfigMap") };
}

describe("FlywheelSchedule", () => {
  const { cronJob, configMap } = synth();
  const job = cronJob.spec.jobTemplate.spec;
  const pod = job.template.spec;
  const [container] = pod.containers;

  it("never runs two flywheels of one workload at once, and skips a slot missed by more than an hour", () => {
    expect(cronJob.spec.concurrencyPolicy).toBe("Forbid");
    expect(cronJob.spec.startingDeadlineSeconds).toBe(3600);
    expect(cronJob.spec.schedule).toBe("0 3 * * 1");
  });

  it("bounds a run in time and deletes finished Jobs, so what they own is garbage-collected", () => {
    expect(job.activeDeadlineSeconds).toBe(12 * 3600);
    expect(job.ttlSecondsAfterFinished).toBe(86400);
  });

  it("fails at once on a deterministic failure and does not count node disruptions", () => {
    expect(job.backoffLimit).toBe(2);
    expect(job.podFailurePolicy.rules).toEqual([
      { action: "FailJob", onExitCodes: { containerName: "flywheel", operator: "In", values: [2, 3, 4] } },
      { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
    ]);
    expect(pod.restartPolicy).toBe("Never");
  });

  it("gives a stopped run five minutes to clean up", () => {
    expect(pod.terminationGracePeriodSeconds).toBe(300);
  });

  it("runs the workload's flywheel with its mounted configuration", () => {
    expect(container.args).toEqual(["run", "--workload", "customer-support-agent", "--client", "support-app", "--config", "/etc/flywheel/config.yaml"]);
    expect(container.volumeMounts.map((m) => m.mountPath)).toEqual(["/etc/flywheel/config.yaml", "/etc/flywheel/ca", "/tmp"]);
  });

  it("writes a configuration the job accepts", () => {
    const config = parseJobConfig(parse(configMap.data?.["config.yaml"] ?? ""), "the ConfigMap");
    expect(config.workloadId).toBe("customer-support-agent");
    expect(config.targets.function_name_and_args_accuracy).toBe(0.95);
  });

  it("tells the pod its Job's name and uid, the owner of the NIMServices a run creates", () => {
    const fields = Object.fromEntries(container.env.map((e) => [e.name, e.valueFrom?.fieldRef.fieldPath ?? e.value]));
    expect(fields).toMatchObject({
      FLYWHEEL_JOB_NAME: "metadata.labels['batch.kubernetes.io/job-name']",
      FLYWHEEL_JOB_UID: "metadata.labels['batch.kubernetes.io/controller-uid']",
      FLYWHEEL_NAMESPACE: "metadata.namespace",
      ELASTICSEARCH_CA_FILE: "/etc/flywheel/ca/ca.crt",
      REDIS_CA_FILE: "/etc/flywheel/ca/ca.crt",
      MONGODB_CA_FILE: "/etc/flywheel/ca/ca.crt",
      NODE_OPTIONS: "--max-old-space-size=1536",
    });
  });

  it("takes connections and credentials from Secrets, by reference", () => {
    expect(container.envFrom).toEqual([{ secretRef: { name: "flywheel-data-connections" } }, { secretRef: { name: "flywheel-model-keys" } }]);
    expect(configMap.data?.["config.yaml"]).not.toMatch(/password|apiKey|nvapi-/i);
  });

  it("runs non-root on a read-only root filesystem, with requests and limits", () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
  });

  it("meets Pod Security restricted: no capabilities, RuntimeDefault seccomp", () => {
    expect(container.securityContext).toMatchObject({ capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } });
    expect(podSecurityViolations({ spec: pod }, "restricted")).toEqual([]);
    expect(container.resources).toEqual({ requests: { cpu: "500m", memory: "1024Mi" }, limits: { cpu: "2", memory: "2048Mi" } });
    expect(pod.serviceAccountName).toBe("flywheel-job");
  });

  it("is found by the API as a workload's schedule: its label, the full ids of its pair, the container the API adds the run id to", () => {
    expect(cronJob.metadata.labels).toMatchObject({ "app.kubernetes.io/component": flywheelScheduleContract.component });
    expect(cronJob.metadata.annotations).toMatchObject({ [annotationKeys.workload]: "customer-support-agent", [annotationKeys.client]: "support-app" });
    expect(container.name).toBe(flywheelScheduleContract.containerName);
    expect(job.podFailurePolicy.rules[0].onExitCodes).toMatchObject({ containerName: flywheelScheduleContract.containerName });
  });

  it("keeps the full ids where the name is truncated", () => {
    const long = { ...props.jobConfig, clientId: "c".repeat(80) };
    const { metadata } = synth({ jobConfig: long }).cronJob;
    expect(metadata.name.length).toBeLessThanOrEqual(52);
    expect(metadata.annotations?.[annotationKeys.client]).toBe("c".repeat(80));
  });

  it("labels the pods for the namespace's NetworkPolicies", () => {
    expect(job.template.metadata.labels).toMatchObject({ "app.kubernetes.io/component": "flywheel-job" });
  });

  it("takes its limits from props", () => {
    const custom = synth({ maxRunDuration: Duration.hours(2), retries: 0 }).cronJob.spec.jobTemplate.spec;
    expect([custom.activeDeadlineSeconds, custom.backoffLimit]).toEqual([7200, 0]);
  });

  it("tells the run where to push its metrics only when a Pushgateway is given", () => {
    const env = (overrides: Partial<FlywheelScheduleProps>): string[] => synth(overrides).cronJob.spec.jobTemplate.spec.template.spec.containers[0].env.map((e: { name: string; value?: string }) => `${e.name}=${e.value ?? ""}`);
    expect(env({ pushgatewayUrl: "http://prometheus-pushgateway.monitoring.svc:9091" })).toContain("FLYWHEEL_PUSHGATEWAY_URL=http://prometheus-pushgateway.monitoring.svc:9091");
    expect(env({}).filter((e) => e.startsWith("FLYWHEEL_PUSHGATEWAY_URL"))).toEqual([]);
  });

  it("tells the run where to log its evaluations only when an MLflow is given", () => {
    const env = (overrides: Partial<FlywheelScheduleProps>): string[] => synth(overrides).cronJob.spec.jobTemplate.spec.template.spec.containers[0].env.map((e: { name: string; value?: string }) => `${e.name}=${e.value ?? ""}`);
    expect(env({ mlflowUrl: "http://mlflow.nemo.svc.cluster.local:80" })).toContain("FLYWHEEL_MLFLOW_URL=http://mlflow.nemo.svc.cluster.local:80");
    expect(env({}).filter((e) => e.startsWith("FLYWHEEL_MLFLOW_URL"))).toEqual([]);
  });

  it("refuses an image that is not pinned by digest", () => {
    expect(() => synth({ image: "ghcr.io/acme/flywheel-job:1.0" })).toThrow(
      'FlywheelSchedule flywheel/flywheel-customer-support-agent-support-app: image "ghcr.io/acme/flywheel-job:1.0" must be pinned by digest',
    );
  });

  const owner = "FlywheelSchedule flywheel/flywheel-customer-support-agent-support-app";
  it.each([
    [{ schedule: "weekly" }, `${owner}: schedule "weekly" is not a cron expression with five fields`],
    [{ podLabels: {} }, `${owner}: podLabels must name at least one label, or it would select every pod of the namespace`],
    [{ retries: -1 }, `${owner}: retries must be an integer ≥ 0, got -1`],
    [{ pushgatewayUrl: "prometheus-pushgateway:9091" }, `${owner}: pushgatewayUrl "prometheus-pushgateway:9091" must be an http:// or https:// URL`],
    [{ mlflowUrl: "mlflow:5000" }, `${owner}: mlflowUrl "mlflow:5000" must be an http:// or https:// URL`],
  ] as [Partial<FlywheelScheduleProps>, string][])("refuses %j", (override, message) => {
    expect(() => synth(override)).toThrow(new Error(message));
  });

  it("names schedules within the CronJob name limit", () => {
    expect(scheduleName("Customer_Support.Agent", "x".repeat(80))).toMatch(/^flywheel-customer-support-agent-x+$/);
    expect(scheduleName("w", "x".repeat(80)).length).toBeLessThanOrEqual(52);
  });
});
