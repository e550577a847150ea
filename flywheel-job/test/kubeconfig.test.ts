import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { kubeconfigProblems } from "../src/kubernetes/kubeconfig-problems";
import { FlywheelFixture, smallModel, toolWorkload } from "./support/flywheel-fixture";

let fixture: FlywheelFixture;

beforeEach(async () => {
  fixture = await FlywheelFixture.start();
});

afterEach(async () => {
  await fixture.stop();
});

/** A kubeconfig for the Kubernetes stand-in, changed by `edit`, written to a file of the fixture's. */
function kubeconfig(edit: (config: KubeconfigFile) => void): string {
  const config: KubeconfigFile = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "stand-in", cluster: { server: fixture.cluster.url, "insecure-skip-tls-verify": true } }],
    users: [{ name: "stand-in", user: { token: "stand-in-token" } }],
    contexts: [{ name: "stand-in", context: { cluster: "stand-in", user: "stand-in", namespace: "flywheel" } }],
    "current-context": "stand-in",
  };
  edit(config);
  const file = join(fixture.directory, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, stringify(config));
  return file;
}

interface KubeconfigFile {
  apiVersion: string;
  kind: string;
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  "current-context"?: string;
}

/** `flywheel run` with a kubeconfig: its exit code, error output, and the calls the API server saw. */
async function runWith(file: string) {
  const result = await fixture.run(fixture.config(toolWorkload, { candidates: [{ ...smallModel, customize: false }] }), fixture.env({ KUBECONFIG: file }));
  return { ...result, apiCalls: fixture.cluster.http.requests.length };
}

describe("where the kubeconfig is found", () => {
  it("without KUBECONFIG, in ~/.kube/config of the environment's HOME", async () => {
    const home = join(fixture.directory, "home");
    mkdirSync(join(home, ".kube"), { recursive: true });
    copyFileSync(kubeconfig(() => undefined), join(home, ".kube", "config"));
    const env: NodeJS.ProcessEnv = { ...fixture.env(), HOME: home };
    delete env.KUBECONFIG;
    const result = await fixture.run(fixture.config(toolWorkload, { candidates: [{ ...smallModel, customize: false }] }), env);
    expect(result.code).toBe(0);
    expect(fixture.cluster.http.requests.length).toBeGreaterThan(0);
  });
});

describe("a kubeconfig that cannot work fails the run at once with exit code 2, naming the field", () => {
  it.each([
    ["a plain-http server without insecure-skip-tls-verify", (c: KubeconfigFile) => delete c.clusters[0].cluster["insecure-skip-tls-verify"], /cluster "stand-in" has the plain-http server http:\/\/127\.0\.0\.1:\d+, which the Kubernetes client refuses unless the cluster sets insecure-skip-tls-verify: true/],
    ["a missing CA file", (c: KubeconfigFile) => (c.clusters[0].cluster = { server: "https://127.0.0.1:6443", "certificate-authority": "/nonexistent/ca.crt" }), /cluster "stand-in": certificate-authority file \/nonexistent\/ca\.crt does not exist/],
    ["a missing client-certificate file", (c: KubeconfigFile) => (c.users[0].user = { "client-certificate": "/nonexistent/client.crt", "client-key": "/nonexistent/client.key" }), /user "stand-in": client-certificate file \/nonexistent\/client\.crt does not exist/],
    ["no current context", (c: KubeconfigFile) => delete c["current-context"], /sets no current-context \(set one with kubectl config use-context <name>; contexts: stand-in\)/],
    ["an unknown current context", (c: KubeconfigFile) => (c["current-context"] = "prod-cluster"), /current-context "prod-cluster" is not one of its contexts \(stand-in\)/],
    ["an exec credential command that is not installed", (c: KubeconfigFile) => (c.users[0].user = { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "flywheel-no-such-aws", args: ["eks", "get-token"] } }), /user "stand-in": exec command "flywheel-no-such-aws" is not on PATH/],
  ])("%s", async (_, edit, message) => {
    const result = await runWith(kubeconfig(edit));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("(KUBECONFIG)");
    expect(result.stderr).not.toContain("internal error");
    expect(result.apiCalls).toBe(0);
  });

  it("a credential plugin that fails when called is a configuration error, not retried", async () => {
    const result = await runWith(kubeconfig((c) => (c.users[0].user = { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "false" } })));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/flywheel: error: Kubernetes: .* failed: .* \(check the kubeconfig\)/);
    expect(result.apiCalls).toBe(0);
  });
});

describe("an API server that does not answer", () => {
  it("is transient: retried, then exit 75", async () => {
    const result = await runWith(kubeconfig((c) => (c.clusters[0].cluster = { server: "https://127.0.0.1:9", "insecure-skip-tls-verify": true })));
    expect(result.code).toBe(75);
    expect(result.stderr).toMatch(/Kubernetes: .* failed 3 times; the last: .*ECONNREFUSED/);
  });
});

describe("kubeconfigProblems", () => {
  const valid = { currentContext: "a", contexts: [{ name: "a", cluster: "c", user: "u" }], clusters: [{ name: "c", server: "https://k8s:6443", skipTLSVerify: false }], users: [{ name: "u" }] };

  it("passes a kubeconfig whose context, cluster and user exist", () => {
    expect(kubeconfigProblems(valid, "kc")).toEqual([]);
    expect(kubeconfigProblems({ ...valid, clusters: [{ name: "c", server: "http://127.0.0.1:8001", skipTLSVerify: true }] }, "kc")).toEqual([]);
  });

  it("names a context's missing cluster and user", () => {
    expect(kubeconfigProblems({ ...valid, clusters: [], users: [] }, "kc")).toEqual([
      'kc: context "a" names cluster "c", which is not one of its clusters (none)',
      'kc: context "a" names user "u", which is not one of its users (none)',
    ]);
  });
});
