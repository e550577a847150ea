/**
 * AWS managed policies that the stacks and the policy pack both name: the stacks attach them, the
 * pack checks which roles carry them (kept free of Pulumi imports so the pack loads it cheaply).
 */
export const managedPolicyArns = {
  /** What the VPC CNI manages the nodes' network interfaces and pod IPs with. */
  eksCni: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
  /** What lets Systems Manager manage an instance, Session Manager shells included. */
  ssmManagedInstanceCore: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
} as const;
