import type { RenderedStack } from "../../render/render-stack";
import { renderedStack } from "../support/rendered-stacks";
import { gpuRoleLabel } from "../../flywheel-job/src/contract";
import { input, named, ofType } from "../support/resources";
import { endpointsIn, serviceMap } from "../support/service-map";

let prod: RenderedStack;

beforeAll(async () => {
  prod = await renderedStack("prod");
});

const cluster = (): ReturnType<typeof named> => named(prod.resources, "aws:eks/cluster:Cluster", "flywheel");

describe("prod stack", () => {
  it("keeps the API endpoint private", () => {
    expect(input(cluster(), "vpcConfig")).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: false });
    expect(input(cluster(), "vpcConfig", "publicAccessCidrs")).toBeUndefined();
  });

  it("envelope-encrypts Secrets with a rotating KMS key", () => {
    const key = named(prod.resources, "aws:kms/key:Key", "flywheel-secrets");
    expect(input(key, "enableKeyRotation")).toBe(true);
    expect(input(cluster(), "encryptionConfig")).toEqual({ resources: ["secrets"], provider: { keyArn: expect.stringContaining("flywheel-secrets") } });
  });

  it("logs every control-plane log type to a log group with a retention", () => {
    expect(input(cluster(), "enabledClusterLogTypes")).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    const group = named(prod.resources, "aws:cloudwatch/logGroup:LogGroup", "flywheel-control-plane");
    expect(input(group, "name")).toBe("/aws/eks/data-flywheel-prod/cluster");
    expect(input(group, "retentionInDays")).toBe(90);
    expect(cluster().options?.dependsOn).toContain("aws:cloudwatch/logGroup:LogGroup::flywheel-control-plane");
  });

  it("has a NAT gateway in every zone", () => {
    expect(ofType(prod.resources, "aws:ec2/natGateway:NatGateway")).toHaveLength(3);
  });

  it("has GPU pools for inference and for training, both able to scale to zero", () => {
    const pools = ofType(prod.resources, "aws:eks/nodeGroup:NodeGroup").filter((g) => input(g, "amiType") === "AL2023_x86_64_NVIDIA");
    expect(pools.map((p) => [input(p, "labels", gpuRoleLabel), input(p, "scalingConfig", "minSize")])).toEqual([
      ["inference", 0],
      ["training", 0],
    ]);
  });

  it("keeps the training pool in one zone, where its workspace volumes live", () => {
    expect(input(named(prod.resources, "aws:eks/nodeGroup:NodeGroup", "flywheel-gpu-training"), "subnetIds")).toEqual(["flywheel-vpc-private-us-east-1a-id"]);
    expect(input(named(prod.resources, "aws:eks/nodeGroup:NodeGroup", "flywheel-gpu-inference"), "subnetIds")).toHaveLength(3);
  });

  it("advertises four GPUs per training node to the autoscaler", () => {
    const gpuTag = ofType(prod.resources, "aws:autoscaling/tag:Tag").find(
      (t) => input(t, "autoscalingGroupName") === "eks-flywheel-gpu-training-asg" && String(input(t, "tag", "key")).endsWith("/resources/nvidia.com/gpu"),
    );
    expect(gpuTag && input(gpuTag, "tag", "value")).toBe("4");
  });

  it("grants access only through explicit entries, and connects only once they exist", () => {
    expect(input(cluster(), "accessConfig")).toEqual({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
    const [provider] = ofType(prod.resources, "pulumi:providers:kubernetes");
    expect(provider.options?.dependsOn).toEqual(["aws:eks/accessPolicyAssociation:AccessPolicyAssociation::flywheel-admin-0", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation::flywheel-ci-0"]);
  });

  it("grants cluster-admin to the configured admin and CI roles through access entries", () => {
    const entries = ofType(prod.resources, "aws:eks/accessEntry:AccessEntry").map((e) => input(e, "principalArn"));
    expect(entries).toEqual(["arn:aws:iam::111122223333:role/platform-admins", "arn:aws:iam::111122223333:role/flywheel-deployer"]);
    for (const association of ofType(prod.resources, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")) {
      expect(input(association, "policyArn")).toBe("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
      expect(input(association, "accessScope")).toEqual({ type: "cluster" });
    }
  });

  it("keeps the volumes of databases and the log store when their claims are deleted, and only those", () => {
    const reclaim = Object.fromEntries(prod.manifests.filter((m) => m.kind === "StorageClass").map((m) => [m.metadata.name, m.reclaimPolicy]));
    expect(reclaim).toEqual({ "gp3-encrypted": "Delete", "gp3-encrypted-retain": "Retain", "efs-shared": "Delete" });
    const datastore = prod.manifests.find((m) => m.kind === "NemoDatastore");
    expect(JSON.stringify(datastore?.spec)).toContain('"storageClass":"gp3-encrypted-retain"');
  });
});

describe("prod platform", () => {
  const manifest = (kind: string, name: string): Record<string, unknown> => {
    const found = prod.manifests.find((m) => m.kind === kind && m.metadata.name === name);
    if (!found) {
      throw new Error(`no ${kind} ${name}`);
    }
    return found.spec as Record<string, unknown>;
  };

  it("runs Elasticsearch on three nodes with persistent volumes", () => {
    const [nodeSet] = manifest("Elasticsearch", "flywheel-logs").nodeSets as { count: number; volumeClaimTemplates: { spec: { storageClassName: string } }[] }[];
    expect(nodeSet.count).toBe(3);
    expect(nodeSet.volumeClaimTemplates[0].spec.storageClassName).toBe("gp3-encrypted-retain");
  });

  it("runs a three-member MongoDB replica set on persistent volumes", () => {
    const spec = manifest("MongoDBCommunity", "flywheel-mongodb");
    expect(spec.members).toBe(3);
    expect(JSON.stringify(spec.statefulSet)).toContain('"storage":"50Gi"');
    expect(JSON.stringify(spec.statefulSet)).toContain('"storageClassName":"gp3-encrypted-retain"');
  });

  it("serves MongoDB over TLS only, with a certificate of the stack's CA naming each member, which every client verifies", () => {
    expect((manifest("MongoDBCommunity", "flywheel-mongodb").security as { tls: unknown }).tls).toEqual({
      enabled: true,
      optional: false,
      certificateKeySecretRef: { name: "flywheel-mongodb-tls" },
      caConfigMapRef: { name: "flywheel-mongodb-ca" },
    });
    const request = ofType(prod.resources, "tls:index/certRequest:CertRequest").find((r) => r.name.endsWith("-mongodb-tls"));
    expect(request && input(request, "dnsNames")).toEqual(expect.arrayContaining([0, 1, 2].map((i) => `flywheel-mongodb-${i}.flywheel-mongodb-svc.data.svc.cluster.local`)));
    // The members present it to each other too.
    const certificate = ofType(prod.resources, "tls:index/locallySignedCert:LocallySignedCert").find((r) => r.name.endsWith("-mongodb-tls"));
    expect(certificate && input(certificate, "allowedUses")).toEqual(expect.arrayContaining(["server_auth", "client_auth"]));
    // The Flywheel API (prod schedules no workload here; FlywheelSchedule's tests cover the Jobs' MONGODB_CA_FILE).
    const api = manifest("Deployment", "flywheel-api") as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    expect(api.template.spec.containers[0].env).toContainEqual({ name: "MONGODB_CA_FILE", value: "/etc/flywheel/ca/ca.crt" });
  });

  it("runs Redis with append-only persistence and a password", () => {
    const config = prod.manifests.find((m) => m.kind === "ConfigMap" && m.metadata.name === "flywheel-redis-config");
    expect(JSON.stringify(config?.data)).toContain("appendonly yes");
    const pod = (manifest("StatefulSet", "flywheel-redis").template as { spec: { containers: { command: string[] }[]; volumes: { secret?: { secretName: string } }[] } }).spec;
    expect(pod.volumes.map((v) => v.secret?.secretName)).toContain("flywheel-redis-password");
    expect(pod.containers[0].command.join(" ")).toContain("sha256sum < /run/secrets/redis/password");
  });

  it("serves Redis over TLS only, with a certificate of the stack's CA for its Service's names", () => {
    const config = JSON.stringify(prod.manifests.find((m) => m.kind === "ConfigMap" && m.metadata.name === "flywheel-redis-config")?.data);
    expect(config).toContain("port 0\\ntls-port 6379");
    const tlsSecret = prod.manifests.find((m) => m.kind === "Secret" && m.metadata.name === "flywheel-redis-tls");
    expect(tlsSecret).toMatchObject({ metadata: { namespace: "data" }, type: "kubernetes.io/tls" });
    const request = ofType(prod.resources, "tls:index/certRequest:CertRequest").find((r) => r.name.endsWith("-redis-tls"));
    expect(request && input(request, "dnsNames")).toEqual(expect.arrayContaining(["flywheel-redis.data.svc", "flywheel-redis.data.svc.cluster.local"]));
  });

  it("keeps the NeMo services' databases but Data Store's on a private, encrypted, Multi-AZ RDS instance it will not lose", () => {
    const [rds] = ofType(prod.resources, "aws:rds/instance:Instance");
    expect(rds.inputs).toMatchObject({
      engine: "postgres",
      storageEncrypted: true,
      multiAz: true,
      publiclyAccessible: false,
      deletionProtection: true,
      skipFinalSnapshot: false,
      password: "[secret]",
    });
  });

  it("refuses connections without TLS on RDS (rds.force_ssl=1 in its parameter group)", () => {
    const [group] = ofType(prod.resources, "aws:rds/parameterGroup:ParameterGroup");
    expect(input(group, "parameters")).toEqual([{ name: "rds.force_ssl", value: "1" }]);
  });

  it("keeps Data Store's database, whose Gitea connects without TLS, in a two-instance CloudNativePG cluster in nemo, and every other service's on RDS", () => {
    const clusters = prod.manifests.filter((m) => m.kind === "Cluster" && m.apiVersion.startsWith("postgresql.cnpg.io/"));
    expect(clusters.map((c) => `${c.metadata.namespace}/${c.metadata.name}`)).toEqual(["nemo/nemo-postgres"]);
    expect(clusters[0].spec).toMatchObject({ instances: 2, storage: { size: "10Gi", storageClass: "gp3-encrypted-retain" } });
    const databases = prod.manifests.filter((m) => m.kind === "Database" && m.apiVersion.startsWith("postgresql.cnpg.io/"));
    expect(databases.map((d) => (d.spec as { name: string }).name)).toEqual(["datastore"]);
    const hosts = Object.fromEntries(
      prod.manifests
        .filter((m) => m.apiVersion.startsWith("apps.nvidia.com/") && m.kind.startsWith("Nemo"))
        .flatMap((m) => {
          const config = (m.spec as { databaseConfig?: { host: string; databaseName: string } }).databaseConfig;
          return config ? [[config.databaseName, config.host]] : [];
        }),
    );
    expect(hosts).toEqual({
      datastore: "nemo-postgres-rw.nemo.svc.cluster.local",
      customizer: "nemo-postgres.nemo.svc.cluster.local",
      entitystore: "nemo-postgres.nemo.svc.cluster.local",
      evaluator: "nemo-postgres.nemo.svc.cluster.local",
    });
    const [mlflow] = ofType(prod.resources, "kubernetes:helm.sh/v3:Release").filter((r) => input(r, "chart") === "mlflow");
    expect(input(mlflow, "values", "backendStore", "postgres", "host")).toBe("nemo-postgres.nemo.svc.cluster.local");
  });

  it("creates each service's database and owner on RDS with a bootstrap Job, behind a stable in-cluster name", () => {
    expect(manifest("Service", "nemo-postgres")).toMatchObject({ type: "ExternalName", externalName: "nemo-postgres.mock.us-east-1.rds.amazonaws.com" });
    const job = prod.manifests.find((m) => m.kind === "Job" && m.metadata.name?.startsWith("nemo-postgres-bootstrap-"));
    expect(job).toBeDefined();
    // Data Store's database is not the Job's: neither its owner's password nor its name reach it.
    const script = prod.manifests.find((m) => m.kind === "ConfigMap" && m.metadata.name === job?.metadata.name);
    expect(JSON.stringify(script?.data)).toContain("\\set database 'entitystore'");
    expect(JSON.stringify(script?.data)).not.toContain("datastore");
    expect(JSON.stringify(job?.spec)).not.toContain("pg-datastore");
    expect(prod.manifests.filter((m) => m.kind === "Secret" && m.metadata.namespace === "nemo-db").map((s) => s.metadata.name)).not.toContain("pg-datastore");
    const services = serviceMap(prod.manifests, prod.resources);
    const nemo = prod.manifests.filter((m) => m.apiVersion.startsWith("apps.nvidia.com/")).flatMap((m) => endpointsIn(m.spec, `${m.kind}/${m.metadata.name}`));
    expect(nemo.filter((e) => !services.get(e.host)?.has(e.port)).map((e) => `${e.path} -> ${e.host}:${e.port}`)).toEqual([]);
  });

  it("lets only the NeMo services on RDS (not Data Store) and the bootstrap Job out to RDS's subnets, on 5432", () => {
    const rdsSubnets = ["10.50.0.0/19", "10.50.32.0/19", "10.50.64.0/19"];
    const subnetGroup = named(prod.resources, "aws:rds/subnetGroup:SubnetGroup", "nemo-postgres");
    expect(input(subnetGroup, "subnetIds")).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"].map((zone) => `flywheel-vpc-private-${zone}-id`));
    expect(ofType(prod.resources, "aws:ec2/subnet:Subnet").filter((s) => String(input(s, "cidrBlock")).endsWith("/19")).map((s) => input(s, "cidrBlock"))).toEqual(rdsSubnets);
    type Policy = { podSelector: { matchLabels?: Record<string, string> }; egress?: { to?: { ipBlock?: { cidr: string } }[]; ports?: { port: number }[] }[] };
    const toRds = prod.manifests
      .filter((m) => m.kind === "NetworkPolicy")
      .flatMap((m) => ((m.spec as Policy).egress ?? []).filter((rule) => (rule.to ?? []).some((peer) => peer.ipBlock && rdsSubnets.includes(peer.ipBlock.cidr))).map((rule) => ({ m, rule })))
      .map(({ m, rule }) => ({
        pods: `${m.metadata.namespace}/${Object.values((m.spec as Policy).podSelector.matchLabels ?? {}).join(",")}`,
        cidrs: (rule.to ?? []).map((peer) => peer.ipBlock?.cidr),
        ports: (rule.ports ?? []).map((port) => port.port),
      }));
    // And the verify-platform Job, which logs in to each service's database on RDS as its owner.
    expect(toRds.map((r) => r.pods).sort()).toEqual(["flywheel/verify-platform", "nemo-db/nemo-postgres-bootstrap", "nemo/mlflow,mlflow", "nemo/nemo-customizer", "nemo/nemo-entitystore", "nemo/nemo-evaluator"].sort());
    for (const rule of toRds) {
      expect(rule.cidrs).toEqual(rdsSubnets);
      expect(rule.ports).toEqual([5432]);
    }
    // No policy admits the whole VPC, RDS's former peer, on PostgreSQL's port.
    const vpcOnPostgresPort = prod.manifests
      .filter((m) => m.kind === "NetworkPolicy")
      .flatMap((m) => (m.spec as Policy).egress ?? [])
      .filter((rule) => (rule.ports ?? []).some((port) => port.port === 5432) && (rule.to ?? []).some((peer) => peer.ipBlock?.cidr === "10.50.0.0/16"));
    expect(vpcOnPostgresPort).toEqual([]);
  });

  it("snapshots the log store to a private, encrypted, versioned bucket through IRSA", () => {
    // The access-log bucket is the other one (test/stacks/aws-logs-and-buckets.test.ts).
    expect(input(named(prod.resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "platform-data-snapshots"), "restrictPublicBuckets")).toBe(true);
    expect(ofType(prod.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").map((c) => c.name)).toEqual(["platform-access-logs", "platform-backups", "platform-data-snapshots"]);
    const trust = JSON.parse(String(input(named(prod.resources, "aws:iam/role:Role", "platform-data-snapshots"), "assumeRolePolicy")));
    expect(JSON.stringify(trust)).toContain("system:serviceaccount:data:elasticsearch-snapshots");
    const pod = (manifest("Elasticsearch", "flywheel-logs").nodeSets as { podTemplate: { spec: { serviceAccountName: string } } }[])[0].podTemplate.spec;
    expect(pod.serviceAccountName).toBe("elasticsearch-snapshots");
  });

  it("serves the local embedding model on the inference pool, tolerating the GPU taint", () => {
    const spec = manifest("NIMService", "flywheel-embedding");
    expect(spec.nodeSelector).toEqual({ [gpuRoleLabel]: "inference" });
    expect(spec.tolerations).toContainEqual(expect.objectContaining({ key: "nvidia.com/gpu", effect: "NoSchedule" }));
    expect((spec.resources as { limits: Record<string, unknown> }).limits["nvidia.com/gpu"]).toBe(1);
  });

  it("caches only the models a workload tries: none until workloads are added", () => {
    expect(prod.manifests.filter((m) => m.kind === "NIMCache").map((m) => `${m.metadata.namespace}/${m.metadata.name}`)).toEqual([
      "nemo/llama-3-2-nv-embedqa-1b-v2-1-10-1",
    ]);
  });
});
