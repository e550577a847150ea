/**
 * Prints the recovery Cluster and its ObjectStore (README, "Restoring PostgreSQL") as YAML, to pipe
 * into `kubectl apply -f -`. The stack never deploys them.
 * Usage: npx ts-node --transpile-only scripts/postgres-recovery.ts SOURCE_CLUSTER NAMESPACE BUCKET [ROLE_ARN]
 */
import { App, Chart } from "cdk8s";
import { stringify } from "yaml";
import { PostgresRecoveryCluster, type PostgresRecoveryClusterProps } from "../constructs/data/cnpg/postgres-recovery-cluster";

/** The recovery's objects, a YAML document each, validated by the construct. */
export function postgresRecoveryYaml(props: PostgresRecoveryClusterProps): string {
  const chart = new Chart(new App(), "postgres-recovery");
  new PostgresRecoveryCluster(chart, "restore", props);
  return chart.toJson().map((object) => `---\n${stringify(object)}`).join("");
}

if (require.main === module) {
  const [sourceCluster, namespace, bucket, roleArn] = process.argv.slice(2);
  if (sourceCluster === undefined || namespace === undefined || bucket === undefined) {
    process.stderr.write("usage: postgres-recovery.ts SOURCE_CLUSTER NAMESPACE BUCKET [ROLE_ARN]\n");
    process.exit(2);
  }
  process.stdout.write(postgresRecoveryYaml({ sourceCluster, namespace, bucket, ...(roleArn !== undefined ? { roleArn } : {}) }));
}
