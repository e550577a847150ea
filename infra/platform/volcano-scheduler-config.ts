/**
 * Volcano's scheduler configuration without the `enqueue` action. With `enqueue`, a PodGroup stays
 * Pending until the cluster already has room for it, so no training pod is ever created, no pod is
 * ever pending, and the Cluster Autoscaler never scales a training pool up from zero. Without it,
 * Volcano admits PodGroups straight away: the pods are created, wait for a node, and the autoscaler
 * adds one. The plugin tiers are Volcano's defaults.
 */
export const volcanoSchedulerConfig = `actions: "allocate, backfill"
tiers:
- plugins:
  - name: priority
  - name: gang
    enablePreemptable: false
  - name: conformance
- plugins:
  - name: overcommit
  - name: drf
    enablePreemptable: false
  - name: predicates
  - name: proportion
  - name: nodeorder
  - name: binpack
`;
