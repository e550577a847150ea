import { namespaces } from "../../infra/platform/namespaces";
import type { NetworkPathsInput } from "../../infra/platform/network-paths";

/**
 * An EKS stack's isolation-table input with every platform namespace and no optional component:
 * a suite spreads the parts it is about over it.
 */
export const baseNetworkPathsInput: NetworkPathsInput = {
  namespaces: Object.values(namespaces),
  apiServerPorts: [443],
  controlPlaneCidrs: ["10.40.0.0/16"],
  logWriterNamespaces: [],
  postgres: { kind: "in-cluster" },
  customizer: false,
  guardrails: false,
  judge: "remote",
  embedding: "remote",
  elasticsearchSnapshots: false,
  flywheelJobs: false,
};
