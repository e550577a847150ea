import * as k8s from "@pulumi/kubernetes";
import { postgresBackupPrefix } from "../../constructs/data/cnpg/postgres-object-store";
import { postgresBackupPolicy } from "../../infra/aws/postgres-backup-policy";
import { backupPrefixes } from "../../infra/platform/backup-storage";
import { namespaces } from "../../infra/platform/namespaces";
import { barmanCloudPluginValues, certManagerValues, PostgresBackupOperators, postgresBackupOperatorsNaming } from "../../infra/platform/postgres-backup-operators";
import type { RecordedResource } from "../../render/recorder";
import { versions } from "../../stacks/config/versions";
import { recordUnderMocks } from "../support/record-under-mocks";

const nodeSelector = { "data-flywheel.io/node-pool": "system" };

describe("the PostgreSQL backup operators' values", () => {
  const certManager = certManagerValues(nodeSelector);
  const plugin = barmanCloudPluginValues(nodeSelector);

  test("neither chart installs CRDs: they are Pulumi resources", () => {
    expect(certManager).toMatchObject({ installCRDs: false, crds: { enabled: false } });
    expect(plugin).toMatchObject({ crds: { create: false } });
  });

  test("the plugin's Service keeps the name its certificate is issued for, on the port the isolation table names", () => {
    expect(plugin.service).toEqual({ name: "barman-cloud", port: postgresBackupOperatorsNaming.pluginService.port });
  });

  test("every cert-manager pod and the plugin state every field Pod Security restricted asks for", () => {
    for (const component of [certManager, certManager.webhook, certManager.cainjector, certManager.startupapicheck] as Record<string, unknown>[]) {
      expect(component.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(component.containerSecurityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
      // On the system nodes by required node affinity: the chart's default nodeSelector would be merged into, not replaced.
      expect(component.affinity).toEqual({
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "data-flywheel.io/node-pool", operator: "In", values: ["system"] }] }] } },
      });
    }
    expect(plugin.podSecurityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
  });

  test("the pins: the charts, cert-manager's release CRD bundle and the plugin's ObjectStore CRD at v0.13.0", () => {
    expect(versions.charts.certManager).toEqual({ repository: "https://charts.jetstack.io", chart: "cert-manager", version: "v1.21.1" });
    expect(versions.charts.barmanCloudPlugin).toEqual({ repository: "https://cloudnative-pg.github.io/charts", chart: "plugin-barman-cloud", version: "0.7.0" });
    expect(versions.crds.certManager).toEqual(["https://github.com/cert-manager/cert-manager/releases/download/v1.21.1/cert-manager.crds.yaml"]);
    expect(versions.crds.barmanCloud).toEqual(["https://raw.githubusercontent.com/cloudnative-pg/plugin-barman-cloud/v0.13.0/config/crd/bases/barmancloud.cnpg.io_objectstores.yaml"]);
  });
});

describe("postgresBackupPolicy", () => {
  const bucketArn = "arn:aws:s3:::flywheel-backups";
  const policy = postgresBackupPolicy({ bucketArn, clusterName: "nemo-postgres" });

  test("the cluster's prefix is under the backup bucket's postgres/ prefix", () => {
    expect(`${postgresBackupPrefix("nemo-postgres")}/`.startsWith(backupPrefixes.postgres)).toBe(true);
  });

  test("Put, Get and Delete only under postgres/<cluster>/, list only that prefix", () => {
    const objects = policy.Statement.find((s) => s.Sid === "ObjectsUnderOwnPrefix");
    expect(objects?.Resource).toBe(`${bucketArn}/postgres/nemo-postgres/*`);
    expect(objects?.Action).toEqual(expect.arrayContaining(["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]));
    const list = policy.Statement.find((s) => s.Sid === "ListOwnPrefix");
    expect(list?.Resource).toBe(bucketArn);
    expect(list?.Condition).toEqual({ StringLikeIfExists: { "s3:prefix": ["postgres/nemo-postgres", "postgres/nemo-postgres/*"] } });
    expect(policy.Statement.flatMap((s) => [s.Resource].flat())).not.toContain(`${bucketArn}/*`);
  });

  test("the bucket's key only when it has one", () => {
    expect(policy.Statement.some((s) => s.Sid === "BucketKey")).toBe(false);
    const withKey = postgresBackupPolicy({ bucketArn, clusterName: "nemo-postgres", kmsKeyArn: "arn:aws:kms:us-west-2:123456789012:key/k" });
    expect(withKey.Statement.find((s) => s.Sid === "BucketKey")).toMatchObject({ Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: "arn:aws:kms:us-west-2:123456789012:key/k" });
  });
});


describe("PostgresBackupOperators under the render's mocks", () => {
  let releases: RecordedResource[];
  beforeAll(async () => {
    const resources = await recordUnderMocks(() => {
      const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
      const cnpg = new k8s.core.v1.ConfigMap("cnpg-stand-in", { metadata: { name: "x" } }, { provider });
      new PostgresBackupOperators("postgres-backup", {
        certManager: { chart: versions.charts.certManager, crdUrls: versions.crds.certManager },
        barmanCloudPlugin: { chart: versions.charts.barmanCloudPlugin, crdUrls: versions.crds.barmanCloud },
        certManagerNamespace: "cert-manager",
        operatorNamespace: namespaces.dataOperators,
        nodeSelector,
        provider,
        cloudnativePg: [cnpg],
      });
    });
    releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
  });

  test("cert-manager after its CRDs; the plugin beside the CloudNativePG operator, after its CRD, cert-manager and the operator", () => {
    const certManager = releases.find((r) => r.inputs.name === "cert-manager");
    const plugin = releases.find((r) => r.inputs.name === "plugin-barman-cloud");
    expect(certManager?.inputs).toMatchObject({ namespace: "cert-manager", chart: "cert-manager", version: "v1.21.1" });
    expect(certManager?.options?.dependsOn).toEqual(["data-flywheel:kubernetes:OperatorCrds::postgres-backup-cert-manager-crds"]);
    expect(plugin?.inputs).toMatchObject({ namespace: "data-operators", chart: "plugin-barman-cloud", version: "0.7.0" });
    expect(plugin?.options?.dependsOn).toEqual([
      "data-flywheel:kubernetes:OperatorCrds::postgres-backup-barman-cloud-crds",
      "kubernetes:helm.sh/v3:Release::postgres-backup-cert-manager",
      "kubernetes:core/v1:ConfigMap::cnpg-stand-in",
    ]);
  });
});
