import { noSecretOnCommandLine } from "../../policies/no-secret-on-command-line";
import { objectViolations } from "../support/policy-review";
import { cpuDeployment, edit, elasticsearch, flywheelCronJob, mongodb, nimService, redis } from "../support/fixtures";

const container = "spec.template.spec.containers.0";
const fix = "Fix: have the program read the secret from a file mounted from the Secret or from an environment variable, not from its arguments.";
const fromSecret = [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-auth", key: "password" } } }];

describe("no-secret-on-command-line", () => {
  it("passes pods that read their secrets from files and the environment", async () => {
    for (const object of [cpuDeployment(), flywheelCronJob(), redis(), nimService(), elasticsearch(3), mongodb(3)]) {
      expect(await objectViolations(noSecretOnCommandLine, object)).toEqual([]);
    }
  });

  it("catches $(VAR) from a Secret after a password flag, naming the container, the Secret and the field", async () => {
    const object = edit(edit(redis(), `${container}.args`, ["--requirepass", "$(REDIS_PASSWORD)"]), `${container}.env`, fromSecret);
    expect(await objectViolations(noSecretOnCommandLine, object)).toEqual([
      `StatefulSet data/redis: container "redis" has $(REDIS_PASSWORD) from Secret "redis-auth" key "password" after --requirepass on its command line (spec.template.spec). ${fix}`,
    ]);
  });

  it("catches $(VAR) from a Secret anywhere on the command line, and from envFrom with its prefix", async () => {
    const inUrl = edit(edit(cpuDeployment(), `${container}.command`, ["proxy", "--upstream=redis://:$(REDIS_PASSWORD)@redis:6379"]), `${container}.env`, fromSecret);
    expect(await objectViolations(noSecretOnCommandLine, inUrl)).toEqual([
      `Deployment nemo/mlflow-proxy: container "proxy" has $(REDIS_PASSWORD) from Secret "redis-auth" key "password" on its command line (spec.template.spec). ${fix}`,
    ]);
    const envFrom = edit(edit(cpuDeployment(), `${container}.args`, ["--upstream-auth", "$(DB_PASS)"]), `${container}.envFrom`, [{ prefix: "DB_", secretRef: { name: "db" } }]);
    expect(await objectViolations(noSecretOnCommandLine, envFrom)).toEqual([expect.stringContaining('has $(DB_PASS) from envFrom Secret "db" on its command line')]);
  });

  it("catches a value after a password flag, literal or a shell variable", async () => {
    const cases: [string[], string][] = [
      [["--password", "hunter22"], "a value after --password"],
      [["--requirepass=$REDIS_PASSWORD"], "a value after --requirepass"],
      [["sh", "-c", "mysql -h db -uroot -p$MYSQL_PASSWORD flywheel"], "a value after -p of mysql"],
      [["sh", "-c", 'redis-cli -h redis -a "$REDIS_PASSWORD" ping'], "a value after -a of redis-cli"],
      [["mongosh", "--host", "db", "-u", "flywheel", "-p", "secret"], "a value after -p of mongosh"],
    ];
    for (const [command, expected] of cases) {
      expect(await objectViolations(noSecretOnCommandLine, edit(cpuDeployment(), `${container}.command`, command))).toEqual([
        `Deployment nemo/mlflow-proxy: container "proxy" has ${expected} on its command line (spec.template.spec). ${fix}`,
      ]);
    }
  });

  it("does not take a port, a password file, an escaped $$(VAR) or a plain variable for a secret", async () => {
    const harmless: string[][] = [
      ["sh", "-c", "redis-cli -h redis -p 6379 ping"],
      ["server", "--password-file", "/run/secrets/password", "--token-url", "https://example.com"],
      ["echo", "$$(REDIS_PASSWORD)"],
      ["sh", "-c", "mysql -h db -P 3306 flywheel; echo -p1"],
      ["server", "--log-level", "$(LOG_LEVEL)"],
      ["job", "--token-budget", "4096", "--password-required", "true", "--auth-token=/var/run/secrets/token"],
    ];
    for (const command of harmless) {
      const object = edit(edit(cpuDeployment(), `${container}.command`, command), `${container}.env`, [...fromSecret, { name: "LOG_LEVEL", value: "info" }]);
      expect(await objectViolations(noSecretOnCommandLine, object)).toEqual([]);
    }
  });

  it("checks init containers, NIMService args and the ECK and MongoDB pod templates", async () => {
    const init = edit(cpuDeployment(), "spec.template.spec.initContainers", [{ name: "wait", image: "busybox:1.37", command: ["redis-cli", "-a", "hunter22", "ping"] }]);
    expect(await objectViolations(noSecretOnCommandLine, init)).toEqual([expect.stringContaining('init container "wait" has a value after -a of redis-cli')]);
    const nim = edit(nimService(), "spec.args", ["--api-key", "$(NGC_API_KEY)"]);
    expect(await objectViolations(noSecretOnCommandLine, nim)).toEqual([expect.stringContaining('NIMService flywheel/llm-judge: container "llm-judge" has a value after --api-key')]);
    const es = edit(elasticsearch(3), "spec.nodeSets.0.podTemplate", { spec: { containers: [{ name: "elasticsearch", args: ["--password", "x1y2z3"] }] } });
    expect(await objectViolations(noSecretOnCommandLine, es)).toEqual([expect.stringContaining("(spec.nodeSets[0].podTemplate.spec)")]);
    const mongo = edit(mongodb(3), "spec.statefulSet", { spec: { template: { spec: { containers: [{ name: "mongod", command: ["mongod", "--token", "t0k3n"] }] } } } });
    expect(await objectViolations(noSecretOnCommandLine, mongo)).toEqual([expect.stringContaining('container "mongod" has a value after --token')]);
  });
});
