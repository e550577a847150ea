import { PolicyPack } from "@pulumi/policy";
import { packName } from "./pack";
import { policies } from "./policies";

// `pulumi preview --policy-pack policies` runs this file with policies/ as the working directory;
// PolicyPack takes the pack's version from policies/package.json there.
new PolicyPack(packName, {
  description: "Guards the Data Flywheel stacks: GPU scheduling, EKS hardening, workload hygiene, pinned releases, durable data services and isolation (network, Pod Security, Secrets, admission).",
  policies,
});
