import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { flywheelScheduleContract } from "../../src/api/flywheel-api-service";
import { annotationKeys, labelKeys } from "../../src/kubernetes/labels";

/**
 * A workload's CronJob as constructs/flywheel/flywheel-schedule.ts renders it (read from there; the
 * job cannot import the constructs), with the label and annotations the stack adds for the API.
 */
export function flywheelCronJob(workloadId: string, clientId: string, namespace = "flywheel", overrides: { readonly schedule?: string; readonly timeZone?: string; readonly suspend?: boolean } = {}): k8s.V1CronJob {
  const name = `flywheel-${workloadId}-${clientId}`.slice(0, 52);
  const labels = { "app.kubernetes.io/part-of": "data-flywheel", "app.kubernetes.io/instance": name };
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: {
      name,
      namespace,
      uid: `uid-of-${name}`,
      labels: { ...labels, [labelKeys.component]: flywheelScheduleContract.component },
      annotations: { "pulumi.com/deletionPropagationPolicy": "foreground", [annotationKeys.workload]: workloadId, [annotationKeys.client]: clientId },
    },
    spec: {
      schedule: overrides.schedule ?? "0 3 * * *",
      ...(overrides.timeZone === undefined ? {} : { timeZone: overrides.timeZone }),
      ...(overrides.suspend === undefined ? {} : { suspend: overrides.suspend }),
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      jobTemplate: {
        metadata: { labels: { "app.kubernetes.io/part-of": "data-flywheel" }, annotations: { "data-flywheel.io/template": "yes" } },
        spec: {
          activeDeadlineSeconds: 43200,
          backoffLimit: 2,
          ttlSecondsAfterFinished: 86400,
          podFailurePolicy: {
            rules: [
              { action: "FailJob", onExitCodes: { containerName: "flywheel", operator: "In", values: [2, 65, 130] } },
              { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
            ],
          },
          template: {
            metadata: { labels: { "app.kubernetes.io/component": "flywheel-job", ...labels } },
            spec: {
              restartPolicy: "Never",
              serviceAccountName: "flywheel-job",
              automountServiceAccountToken: true,
              terminationGracePeriodSeconds: 300,
              securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
              containers: [
                {
                  name: "flywheel",
                  image: "registry.example.com/flywheel-job@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                  imagePullPolicy: "IfNotPresent",
                  args: ["run", "--workload", workloadId, "--client", clientId, "--config", "/etc/flywheel/config.yaml"],
                  env: [{ name: "FLYWHEEL_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
                  envFrom: [{ secretRef: { name: "flywheel-connections" } }],
                  volumeMounts: [{ name: "config", mountPath: "/etc/flywheel/config.yaml", subPath: "config.yaml", readOnly: true }],
                  securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
                },
              ],
              volumes: [{ name: "config", configMap: { name: `${name}-config` } }],
            },
          },
        },
      },
    },
  };
}
