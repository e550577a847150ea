import type { Chart } from "cdk8s";
import { PostgresBootstrapJob, type PostgresBootstrapJobProps } from "../../../constructs/data/postgres/postgres-bootstrap-job";
import { expectNoSecretValues, expectValidCoreObjects, only, synth } from "./support";

const base: PostgresBootstrapJobProps = {
  name: "rds-bootstrap",
  namespace: "nemo",
  host: "flywheel.abc123.us-west-2.rds.amazonaws.com",
  adminSecretName: "rds-master",
  databases: [
    { database: "datastore", owner: "datastore", credentialsSecretName: "pg-datastore" },
    { database: "entity_store", owner: "entity_store", credentialsSecretName: "pg-entity-store" },
  ],
};

function bootstrap(props: PostgresBootstrapJobProps) {
  let construct: PostgresBootstrapJob | undefined;
  const manifests = synth((chart: Chart) => { construct = new PostgresBootstrapJob(chart, "bootstrap", props); });
  const job = only(manifests, "Job");
  const pod = job.spec.template.spec;
  const files: Record<string, string> = only(manifests, "ConfigMap").data;
  return { construct: construct as PostgresBootstrapJob, manifests, job, pod, container: pod.containers[0], sql: files["bootstrap.sql"], shell: files["bootstrap.sh"] };
}

describe("PostgresBootstrapJob", () => {
  test("connects as the administrator from its Secret, over TLS", () => {
    const { container } = bootstrap(base);
    expect(container.env).toEqual(expect.arrayContaining([
      { name: "PGHOST", value: "flywheel.abc123.us-west-2.rds.amazonaws.com" },
      { name: "PGPORT", value: "5432" },
      { name: "PGDATABASE", value: "postgres" },
      { name: "PGUSER", valueFrom: { secretKeyRef: { name: "rds-master", key: "username" } } },
      { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "rds-master", key: "password" } } },
      { name: "PGSSLMODE", value: "require" },
    ]));
  });

  test("each owner's password comes from that service's Secret, read by psql from the environment", () => {
    const { container, sql } = bootstrap(base);
    expect(container.env).toEqual(expect.arrayContaining([
      { name: "OWNER_PASSWORD_0", valueFrom: { secretKeyRef: { name: "pg-datastore", key: "password" } } },
      { name: "OWNER_PASSWORD_1", valueFrom: { secretKeyRef: { name: "pg-entity-store", key: "password" } } },
    ]));
    expect(sql).toContain("\\getenv password OWNER_PASSWORD_0");
    expect(sql).toContain("\\getenv password OWNER_PASSWORD_1");
  });

  test("the SQL is idempotent: creates only what is missing, then sets the desired state", () => {
    const { sql } = bootstrap(base);
    expect(sql.startsWith("\\set ON_ERROR_STOP on")).toBe(true);
    expect(sql).toContain("SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \\gexec");
    expect(sql).toContain("SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \\gexec");
    expect(sql).toContain("ALTER DATABASE %I OWNER TO %I");
    expect(sql).toContain("REVOKE ALL ON DATABASE %I FROM PUBLIC");
    expect(sql).not.toMatch(/\bDROP\b/);
    expect(sql.match(/\\set owner '(\w+)'/g)).toEqual(["\\set owner 'datastore'", "\\set owner 'entity_store'"]);
  });

  test("waits for the server with backoff, and never echoes failed statements", () => {
    const { shell } = bootstrap(base);
    expect(shell).toContain("until pg_isready --quiet --timeout=5; do");
    expect(shell).toContain("delay=$((delay * 2))");
    const psql = shell.split("\n").find((line) => line.startsWith("exec psql"));
    expect(psql).toContain("--no-psqlrc --file");
    expect(psql).not.toContain("--echo");
  });

  test("Job hygiene: bounded, cleaned up, non-root, read-only root filesystem, resources set", () => {
    const { job, pod, container } = bootstrap({ ...base, backoffLimit: 2, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 3600 });
    expect(job.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 3600 });
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 26 });
    expect(container.image).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:\d+\.\d+-/);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(container.resources).toEqual({ requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } });
  });

  test("a new service database gives a new Job", () => {
    const name = (props: PostgresBootstrapJobProps) => bootstrap(props).job.metadata.name;
    expect(name(base)).toMatch(/^rds-bootstrap-[0-9a-f]{10}$/);
    expect(name({ ...base })).toBe(name(base));
    expect(name({ ...base, databases: [...base.databases, { database: "evaluator", owner: "evaluator", credentialsSecretName: "pg-evaluator" }] })).not.toBe(name(base));
  });

  test("every core object validates; no secret values", () => {
    const { manifests } = bootstrap(base);
    expectValidCoreObjects(manifests);
    expectNoSecretValues(manifests);
  });

  const owner = "PostgresBootstrapJob nemo/rds-bootstrap";
  test.each([
    [{ host: "https://db.example.com" }, `${owner}: host "https://db.example.com" must be a host name or IP address`],
    [{ port: 70000 }, `${owner}: port must be an integer between 1 and 65535, got 70000`],
    [{ adminSecretName: "RDS_Master" }, `${owner}: adminSecretName "RDS_Master" is not a valid Kubernetes object name (DNS-1123 subdomain)`],
    [
      { databases: [{ database: "db", owner: "o; DROP ROLE x", credentialsSecretName: "s" }] },
      `${owner}: databases[0].owner "o; DROP ROLE x" must be a lowercase identifier (letters, digits, '_'; at most 63), not a reserved role`,
    ],
    [{ activeDeadlineSeconds: 10 }, `${owner}: activeDeadlineSeconds must be an integer ≥ 60, got 10`],
    [{ name: "RDS" }, "PostgresBootstrapJob nemo/RDS: name \"RDS\" must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)"],
  ] as [Partial<PostgresBootstrapJobProps>, string][])("rejects %j", (override, message) => {
    expect(() => bootstrap({ ...base, ...override })).toThrow(new Error(message));
  });
});
