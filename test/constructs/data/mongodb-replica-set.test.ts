import type { Chart } from "cdk8s";
import { MongoDbReplicaSet, type MongoDbReplicaSetProps, mongoConnectionUri, mongodbMetricsPort } from "../../../constructs/data/mongodb/mongodb-replica-set";
import { crdValidator, describeWithCrds } from "../../support/crd-schema";
import { type Manifest, expectNoSecretValues, expectValidCoreObjects, ofKind, only, synth } from "./support";

const base: MongoDbReplicaSetProps = { name: "flywheel-mongo", namespace: "data", user: { password: { name: "mongo-flywheel-password" } } };
const production: MongoDbReplicaSetProps = {
  ...base,
  members: 3,
  highAvailability: true,
  storage: { data: { size: "50Gi", storageClass: "gp3" }, logs: { size: "5Gi", storageClass: "gp3" } },
  nodeSelector: { "data-flywheel.io/node-pool": "system" },
};
const tls = { certificateSecretName: "flywheel-mongo-tls", caConfigMapName: "flywheel-ca" };

function mongo(props: MongoDbReplicaSetProps) {
  let construct: MongoDbReplicaSet | undefined;
  const manifests = synth((chart: Chart) => { construct = new MongoDbReplicaSet(chart, "mongo", props); });
  const resource = only(manifests, "MongoDBCommunity", props.name);
  return { construct: construct as MongoDbReplicaSet, manifests, resource, sts: resource.spec.statefulSet.spec };
}

describe("MongoDbReplicaSet", () => {
  test("dev: a one-member replica set of a pinned MongoDB 8.0 with SCRAM", () => {
    const { resource } = mongo(base);
    expect(resource.apiVersion).toBe("mongodbcommunity.mongodb.com/v1");
    expect(resource.spec).toMatchObject({ type: "ReplicaSet", members: 1, featureCompatibilityVersion: "8.0" });
    expect(resource.spec.version).toMatch(/^8\.0\.\d+$/);
    expect(resource.spec.security).toEqual({ authentication: { modes: ["SCRAM"] } });
  });

  test("the flywheel user may only read and write the flywheel database", () => {
    const { resource } = mongo(base);
    expect(resource.spec.users).toEqual([{
      name: "flywheel",
      db: "admin",
      passwordSecretRef: { name: "mongo-flywheel-password", key: "password" },
      roles: [{ name: "readWrite", db: "flywheel" }],
      scramCredentialsSecretName: "flywheel-mongo-flywheel",
    }]);
  });

  test("data and logs on persistent volumes that replace the operator's defaults by name", () => {
    const { sts } = mongo(production);
    expect(sts.volumeClaimTemplates).toEqual([
      { metadata: { name: "data-volume" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "gp3", resources: { requests: { storage: "50Gi" } } } },
      { metadata: { name: "logs-volume" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "gp3", resources: { requests: { storage: "5Gi" } } } },
    ]);
    expect(mongo(base).sts.volumeClaimTemplates.map((c: Manifest) => c.spec.resources.requests.storage)).toEqual(["10Gi", "2Gi"]);
  });

  test("both containers get requests and limits", () => {
    const containers: Manifest[] = mongo(base).sts.template.spec.containers;
    expect(containers.map((c) => c.name)).toEqual(["mongod", "mongodb-agent"]);
    for (const container of containers) {
      expect(Object.keys(container.resources.requests).sort()).toEqual(["cpu", "memory"]);
      expect(Object.keys(container.resources.limits).sort()).toEqual(["cpu", "memory"]);
    }
  });

  test("prod: three members on distinct hosts, spread over zones", () => {
    const { resource, sts } = mongo(production);
    expect(resource.spec.members).toBe(3);
    const selector = { matchLabels: { app: "flywheel-mongo-svc" } };
    expect(sts.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([{ labelSelector: selector, topologyKey: "kubernetes.io/hostname" }]);
    expect(sts.template.spec.topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: selector }]);
    expect(sts.template.spec.nodeSelector).toEqual({ "data-flywheel.io/node-pool": "system" });
  });

  test("exposes every member's host and a connection string without the password", () => {
    const { construct } = mongo(production);
    expect(construct.hosts).toEqual([0, 1, 2].map((i) => `flywheel-mongo-${i}.flywheel-mongo-svc.data.svc.cluster.local:27017`));
    expect(construct.connectionStringWithoutPassword).toBe(
      `mongodb://flywheel@${construct.hosts.join(",")}/flywheel?replicaSet=flywheel-mongo&authSource=admin`,
    );
  });

  test("serves Prometheus metrics behind basic auth only when asked, the password from its Secret", () => {
    expect(mongo(base).resource.spec.prometheus).toBeUndefined();
    const { resource } = mongo({ ...base, metrics: { username: "prometheus", password: { name: "mongo-metrics" } } });
    expect(resource.spec.prometheus).toEqual({ port: mongodbMetricsPort.port, username: "prometheus", passwordSecretRef: { name: "mongo-metrics", key: "password" } });
    expect(() => mongo({ ...base, metrics: { username: "prom etheus", password: { name: "mongo-metrics" } } })).toThrow(
      "MongoDbReplicaSet data/flywheel-mongo: metrics.username \"prom etheus\" must be letters, digits, '.', '_' or '-'",
    );
  });

  test("mongoConnectionUri percent-encodes the password", () => {
    const { construct } = mongo(base);
    expect(mongoConnectionUri(construct, "p@ss:w/rd")).toBe(
      "mongodb://flywheel:p%40ss%3Aw%2Frd@flywheel-mongo-0.flywheel-mongo-svc.data.svc.cluster.local:27017/flywheel?replicaSet=flywheel-mongo&authSource=admin",
    );
  });

  test("with TLS: only TLS, with the certificate's Secret and the CA's ConfigMap the operator reads", () => {
    const { resource } = mongo({ ...production, tls });
    expect(resource.spec.security).toEqual({
      authentication: { modes: ["SCRAM"] },
      tls: { enabled: true, optional: false, certificateKeySecretRef: { name: "flywheel-mongo-tls" }, caConfigMapRef: { name: "flywheel-ca" } },
    });
  });

  test("with TLS, clients connect with tls=true", () => {
    const { construct } = mongo({ ...production, tls });
    expect(construct.tls).toBe(true);
    expect(construct.connectionStringWithoutPassword).toBe(`mongodb://flywheel@${construct.hosts.join(",")}/flywheel?replicaSet=flywheel-mongo&authSource=admin&tls=true`);
    expect(mongoConnectionUri(construct, "pw")).toMatch(/^mongodb:\/\/flywheel:pw@.*&tls=true$/);
    expect(mongo(base).construct.tls).toBe(false);
  });

  test("the certificate names every member as clients reach it, and the members' Service", () => {
    const names = MongoDbReplicaSet.certificateDnsNames("flywheel-mongo", "data", 3);
    expect(names).toEqual([
      "flywheel-mongo-0.flywheel-mongo-svc.data.svc.cluster.local",
      "flywheel-mongo-1.flywheel-mongo-svc.data.svc.cluster.local",
      "flywheel-mongo-2.flywheel-mongo-svc.data.svc.cluster.local",
      "flywheel-mongo-svc.data.svc.cluster.local",
      "flywheel-mongo-svc.data.svc",
    ]);
    // Every host of the connection string is on the certificate.
    const { construct } = mongo({ ...production, tls });
    for (const host of construct.hosts) expect(names).toContain(host.replace(/:\d+$/, ""));
  });

  test("the pods' service account is created only on request, with the operator's permissions", () => {
    expect(ofKind(mongo(base).manifests, "ServiceAccount")).toEqual([]);
    const { manifests } = mongo({ ...base, createServiceAccount: true });
    expect(only(manifests, "ServiceAccount").metadata).toMatchObject({ name: "mongodb-kubernetes-appdb", namespace: "data" });
    expect(only(manifests, "Role").rules).toEqual([
      { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["patch", "delete", "get"] },
    ]);
    expect(only(manifests, "RoleBinding").subjects).toEqual([{ kind: "ServiceAccount", name: "mongodb-kubernetes-appdb", namespace: "data" }]);
    expectValidCoreObjects(manifests);
  });

  test("holds no secret values", () => {
    expectNoSecretValues(mongo({ ...production, createServiceAccount: true }).manifests);
  });

  const owner = "MongoDbReplicaSet data/flywheel-mongo";
  test.each([
    [{ members: 2 }, `${owner}: members must be 1, 3, 5 or 7 (an odd number of voting members keeps a majority), got 2`],
    [{ highAvailability: true }, `${owner}: members must be at least 3 when highAvailability is on (a majority survives losing a member), got 1`],
    [{ version: "8.0" }, `${owner}: version "8.0" must be a full MongoDB version such as 8.0.32`],
    [{ user: { database: "admin", password: { name: "p" } } }, `${owner}: user.database "admin" must be an application database name (letters, digits, '_', '-'; not admin, local or config)`],
    [{ user: { password: { name: "Not_A_Secret" } } }, `${owner}: user.password.name "Not_A_Secret" is not a valid Kubernetes object name (DNS-1123 subdomain)`],
    [{ storage: { logs: { size: "2 GB" } } }, `${owner}: storage.logs.size "2 GB" is not a positive Kubernetes quantity such as 500m, 2 or 4Gi`],
    [{ tls: { ...tls, caConfigMapName: "CA" } }, `${owner}: tls.caConfigMapName "CA" is not a valid Kubernetes object name (DNS-1123 subdomain)`],
  ] as [Partial<MongoDbReplicaSetProps>, string][])("rejects %j", (override, message) => {
    expect(() => mongo({ ...base, ...override })).toThrow(new Error(message));
  });
});

describeWithCrds("MongoDbReplicaSet against the MongoDBCommunity CRD of mongodb-kubernetes 1.9.1", () => {
  const validate = () => crdValidator("mongodb-kubernetes-1.9.1/MongoDBCommunity.yaml", "mongodbcommunity.mongodb.com/v1");

  test.each([
    ["dev", base],
    ["prod with TLS and metrics", { ...production, tls, metrics: { username: "prometheus", password: { name: "mongo-metrics" } } }],
  ] as [string, MongoDbReplicaSetProps][])("%s: the resource is valid, no field unknown", (_, props) => {
    expect(validate()(mongo(props).resource)).toBeUndefined();
  });

  test("the validator refuses a field the CRD does not have", () => {
    const { resource } = mongo({ ...production, tls });
    const misspelt = { ...resource, spec: { ...resource.spec, security: { ...resource.spec.security, tls: { ...resource.spec.security.tls, caConfigMap: { name: "flywheel-ca" } } } } };
    expect(validate()(misspelt)).toMatch(/must NOT have additional properties/);
  });
});
