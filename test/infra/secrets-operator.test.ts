import * as k8s from "@pulumi/kubernetes";
import { pathName } from "../../constructs/network/network-path";
import { EksAddons } from "../../infra/aws/eks-addons";
import { checkSecretNames, podIdentityTrustPolicy, secretsManagerSecretArn, secretsReaderPolicy } from "../../infra/aws/iam-policies";
import { SecretsReaderIdentity } from "../../infra/aws/secrets-reader-identity";
import { namespaces, podSecurityLevels } from "../../infra/platform/namespaces";
import { type NetworkPathsInput, platformNetworkPaths, platformPods } from "../../infra/platform/network-paths";
import { SecretsOperator, secretsOperatorNaming, secretsOperatorValues } from "../../infra/platform/secrets-operator";
import type { RecordedResource } from "../../render/recorder";
import { versions } from "../../stacks/config/versions";
import { baseNetworkPathsInput } from "../support/network-paths-input";
import { recordUnderMocks } from "../support/record-under-mocks";
import { ofType } from "../support/resources";

/**
 * The External Secrets Operator's install: the IAM role that may read only the named secrets, its
 * Pod Identity binding to the controller's ServiceAccount, the chart's values, the store, the
 * add-on Pod Identity needs, and the controller's network paths.
 */

const scope = { partition: "aws", region: "us-west-2", accountId: "111122223333" };

describe("podIdentityTrustPolicy", () => {
  it("lets only EKS Pod Identity assume the role and tag its session", () => {
    expect(podIdentityTrustPolicy().Statement).toEqual([{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }]);
  });
});

describe("secretsReaderPolicy", () => {
  it("reads the value and metadata of exactly the named secrets, whatever suffix Secrets Manager gave them", () => {
    expect(secretsReaderPolicy(scope, ["flywheel/ngc-api-key", "flywheel/wandb"]).Statement).toEqual([
      {
        Sid: "ReadNamedSecrets",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: [
          "arn:aws:secretsmanager:us-west-2:111122223333:secret:flywheel/ngc-api-key-??????",
          "arn:aws:secretsmanager:us-west-2:111122223333:secret:flywheel/wandb-??????",
        ],
      },
    ]);
  });

  it("matches the secret's ARN and not one of a secret whose name merely starts the same", () => {
    const pattern = secretsManagerSecretArn(scope, "flywheel/ngc");
    // IAM's wildcards: `?` is one character, `*` any run.
    const matches = (arn: string) => new RegExp(`^${pattern.replace(/[.*+^${}()|[\]\\/]/g, "\\$&").replace(/\?/g, ".")}$`).test(arn);
    expect(matches("arn:aws:secretsmanager:us-west-2:111122223333:secret:flywheel/ngc-AbC123")).toBe(true);
    expect(matches("arn:aws:secretsmanager:us-west-2:111122223333:secret:flywheel/ngc-old-AbC123")).toBe(false);
    expect(matches("arn:aws:secretsmanager:us-west-2:111122223333:secret:flywheel/ngc2-AbC123")).toBe(false);
  });

  it("writes the ARN of the partition it is given", () => {
    expect(secretsManagerSecretArn({ partition: "aws-us-gov", region: "us-gov-west-1", accountId: "1" }, "k")).toBe("arn:aws-us-gov:secretsmanager:us-gov-west-1:1:secret:k-??????");
  });

  it.each([
    [[], /the list is empty/],
    [["flywheel/*"], /"flywheel\/\*" is not a Secrets Manager name/],
    [["ngc?"], /"ngc\?" is not a Secrets Manager name/],
    [["ngc key"], /"ngc key" is not a Secrets Manager name/],
    [["ngc", "ngc"], /"ngc" is listed twice/],
  ])("refuses the names %j", (names, message) => {
    expect(() => checkSecretNames(names)).toThrow(message);
    expect(() => secretsReaderPolicy(scope, names)).toThrow(message);
  });
});

describe("secretsOperatorValues", () => {
  const values = secretsOperatorValues({ "data-flywheel.io/node-pool": "system" });

  it("installs one controller and no webhook, no cert controller and no CRDs", () => {
    expect(values).toMatchObject({ installCRDs: false, webhook: { create: false }, certController: { create: false } });
  });

  it("names the ServiceAccount the Pod Identity association names", () => {
    expect(values.serviceAccount).toEqual({ create: true, name: secretsOperatorNaming.serviceAccount });
  });

  it("ignores namespaced SecretStores, which would read with the controller's role from any namespace, and never pushes", () => {
    expect(values).toMatchObject({ processSecretStore: false, processPushSecret: false, processClusterPushSecret: false, processClusterExternalSecret: false });
    expect(values.rbac).toEqual({ serviceAccountTokenCreate: false, aggregateToEdit: false, aggregateToAdmin: false });
  });

  it("runs on the system nodes with a container context that meets Pod Security restricted", () => {
    expect(values.nodeSelector).toEqual({ "data-flywheel.io/node-pool": "system" });
    expect(values.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(podSecurityLevels.externalSecrets).toBe("restricted");
  });
});

describe("the pins", () => {
  it("pins the chart, its release's CRD bundle and the Pod Identity agent for every Kubernetes version", () => {
    expect(versions.charts.externalSecrets).toEqual({ repository: "https://charts.external-secrets.io", chart: "external-secrets", version: "2.9.0" });
    expect(versions.crds.externalSecrets).toEqual(["https://raw.githubusercontent.com/external-secrets/external-secrets/v2.9.0/deploy/crds/bundle.yaml"]);
    for (const pins of Object.values(versions.eks)) {
      expect(pins.addons["eks-pod-identity-agent"]).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
    }
  });
});

describe("the controller's network paths", () => {
  const input: NetworkPathsInput = { ...baseNetworkPathsInput, flywheelJobs: true };
  const controllerRows = (i: NetworkPathsInput) =>
    platformNetworkPaths(i)
      .filter((p) => p.from === platformPods.secretsOperator || p.to === platformPods.secretsOperator)
      .map((p) => [pathName(p), p.to.kind === "addresses" ? p.to.cidrs : [], p.ports.map((port) => `${port.protocol}/${port.port}`)]);

  it("lets the controller reach the API server, Secrets Manager on 443 and the node's Pod Identity agent, and nothing reach it", () => {
    expect(controllerRows({ ...input, secretsOperator: true })).toEqual([
      ["external-secrets-to-api-server", ["0.0.0.0/0"], ["TCP/443"]],
      ["external-secrets-to-internet", ["0.0.0.0/0"], ["TCP/443"]],
      ["external-secrets-to-pod-identity-agent", ["169.254.170.23/32"], ["TCP/80"]],
    ]);
  });

  it("selects the controller's pods by the chart's selector labels in its namespace", () => {
    expect(platformPods.secretsOperator).toMatchObject({
      namespace: "external-secrets",
      selector: { matchLabels: { "app.kubernetes.io/name": "external-secrets", "app.kubernetes.io/instance": secretsOperatorNaming.release } },
      verified: true,
    });
  });

  it("has no rows without the operator", () => {
    expect(controllerRows(input)).toEqual([]);
    expect(controllerRows({ ...input, secretsOperator: true, namespaces: Object.values(namespaces).filter((n) => n !== namespaces.externalSecrets) })).toEqual([]);
  });
});


describe("SecretsReaderIdentity and SecretsOperator under the render's mocks", () => {
  let resources: RecordedResource[];
  beforeAll(async () => {
    resources = await recordUnderMocks(() => {
      const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
      const identity = new SecretsReaderIdentity("secrets-reader", {
        clusterName: "flywheel-prod",
        namespace: namespaces.externalSecrets,
        serviceAccount: secretsOperatorNaming.serviceAccount,
        region: "us-west-2",
        secretNames: ["flywheel/ngc-api-key"],
      });
      new SecretsOperator("secrets-operator", {
        chart: versions.charts.externalSecrets,
        crdUrls: versions.crds.externalSecrets,
        namespace: namespaces.externalSecrets,
        region: "us-west-2",
        allowedNamespaces: [namespaces.nemo, namespaces.flywheel],
        nodeSelector: { "data-flywheel.io/node-pool": "system" },
        provider,
        dependsOn: identity.ready,
      });
    });
  });

  it("binds the role to the controller's ServiceAccount in its namespace", () => {
    const [association] = ofType(resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation");
    expect(association.inputs).toMatchObject({ clusterName: "flywheel-prod", namespace: "external-secrets", serviceAccount: "external-secrets", roleArn: "arn:aws:iam::123456789012:role/secrets-reader" });
  });

  it("gives the role the read policy in the deploying account's partition", () => {
    const [policy] = ofType(resources, "aws:iam/rolePolicy:RolePolicy");
    expect(JSON.parse(String(policy.inputs.policy)).Statement[0].Resource).toEqual(["arn:aws:secretsmanager:us-west-2:111122223333:secret:flywheel/ngc-api-key-??????"]);
    const [role] = ofType(resources, "aws:iam/role:Role");
    expect(JSON.parse(String(role.inputs.assumeRolePolicy))).toEqual(podIdentityTrustPolicy());
  });

  it("starts the controller after its CRDs and its identity, and the store after the controller", () => {
    const [release] = ofType(resources, "kubernetes:helm.sh/v3:Release");
    expect(release.inputs).toMatchObject({ name: "external-secrets", namespace: "external-secrets", chart: "external-secrets", version: "2.9.0", atomic: true });
    expect(release.options?.dependsOn).toEqual([
      "data-flywheel:kubernetes:OperatorCrds::secrets-operator-crds",
      "aws:eks/podIdentityAssociation:PodIdentityAssociation::secrets-reader",
      "aws:iam/rolePolicy:RolePolicy::secrets-reader",
    ]);
    const store = resources.find((r) => r.name === "secrets-operator-store");
    expect(store?.options?.dependsOn).toEqual(["data-flywheel:kubernetes:OperatorCrds::secrets-operator-crds", "kubernetes:helm.sh/v3:Release::secrets-operator"]);
    expect(store?.inputs.objs).toEqual([
      {
        apiVersion: "external-secrets.io/v1",
        kind: "ClusterSecretStore",
        metadata: { name: secretsOperatorNaming.storeName },
        spec: { provider: { aws: { service: "SecretsManager", region: "us-west-2" } }, conditions: [{ namespaces: ["nemo", "flywheel"] }] },
      },
    ]);
  });
});

describe("EksAddons", () => {
  const addonNames = async (podIdentityAgent: boolean) =>
    ofType(
      await recordUnderMocks(() => {
        new EksAddons("addons", {
          clusterName: "c1",
          oidcProviderArn: "arn:aws:iam::1:oidc-provider/x",
          oidcIssuerUrl: "https://x",
          versions: versions.eks["1.34"].addons,
          podIdentityAgent,
        }).installOnNodes([]);
      }),
      "aws:eks/addon:Addon",
    ).map((a) => [a.inputs.addonName, a.inputs.addonVersion]);

  it("installs the Pod Identity agent at its pin only when asked", async () => {
    expect(await addonNames(true)).toContainEqual(["eks-pod-identity-agent", versions.eks["1.34"].addons["eks-pod-identity-agent"]]);
    expect((await addonNames(false)).map(([name]) => name)).not.toContain("eks-pod-identity-agent");
  });
});
