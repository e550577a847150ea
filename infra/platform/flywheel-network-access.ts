import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { App, Chart } from "cdk8s";
import { elasticsearchHttpPort, mongodbPort, redisPort } from "../../constructs/data";
import { FlywheelNetworkPolicies, type FlywheelNetworkPoliciesProps } from "../../constructs/network/flywheel-network-policies";
import { apiServicePort, nemoContainerPorts } from "../../constructs/nim/urls";
import { candidateNimComponent, labelKeys } from "../../flywheel-job/src/contract";
import { applyChart } from "../kubernetes/cdk8s-chart";
import { namespaces } from "./namespaces";

/** Labels the network policies select the flywheel's pods by. */
export const flywheelPodLabels = {
  job: { [labelKeys.component]: "flywheel-job" },
  // The job labels the NIMServices it creates, and their pods, with this.
  candidateNim: { [labelKeys.component]: candidateNimComponent },
} as const;

/** Ports the pods of the data services the flywheel job reaches listen on. */
const dataServicePorts = [elasticsearchHttpPort, mongodbPort, redisPort];
/** Ports the pods in the NeMo namespace the job and its NIMs reach listen on: the microservices and the judge and embedding NIMs. */
const nemoPodPorts = [...new Set([...Object.values(nemoContainerPorts), apiServicePort])];

/**
 * Who may talk to whom in the flywheel namespace: the job to the data services and NeMo, NeMo and
 * the NIM operator to the candidate NIMs, and HTTPS out to the Kubernetes API, which listens on
 * `apiServerPorts`.
 */
export function flywheelNetworkPolicyProps(apiServerPorts: readonly number[]): FlywheelNetworkPoliciesProps {
  return {
    namespace: namespaces.flywheel,
    jobPodLabels: flywheelPodLabels.job,
    nimPodLabels: flywheelPodLabels.candidateNim,
    dataServices: { namespace: namespaces.data, ports: dataServicePorts },
    nemoServices: { namespace: namespaces.nemo, ports: nemoPodPorts },
    nimOperatorNamespace: namespaces.nimOperator,
    // 443 for a remote judge or embedding endpoint and NGC; the API server's own ports.
    httpsPorts: [...new Set([443, ...apiServerPorts])],
  };
}

/** The flywheel namespace's NetworkPolicies (default deny, then `flywheelNetworkPolicyProps`), applied as one ConfigGroup. */
export function applyFlywheelNetworkPolicies(name: string, apiServerPorts: readonly number[], opts: pulumi.ComponentResourceOptions): k8s.yaml.v2.ConfigGroup {
  const chart = new Chart(new App(), "flywheel-network-policies");
  new FlywheelNetworkPolicies(chart, "policies", flywheelNetworkPolicyProps(apiServerPorts));
  return applyChart(name, chart, opts);
}
