import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
// The analyzer protocol, as the Pulumi CLI speaks it to a policy pack (what @pulumi/policy serves).
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct, type JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { readPolicyPackConfig } from "../offline/config";
import { repoRoot } from "../offline/review-stack";
import { policies } from "../policies";
import { defaultDeny, edit, eksCluster, flywheelCronJob, gpuNodeGroup, kubernetesResource, namespace, type TestResource } from "./support/fixtures";

/**
 * Runs the pack the way `pulumi preview --policy-pack policies` does (the Pulumi CLI starts
 * @pulumi/pulumi's run-policy-pack in policies/, which type-checks and loads index.ts and serves the
 * analyzer protocol) and talks to it over gRPC: resources arrive by their Pulumi type, and the pack
 * config arrives through Configure.
 */
let pack: ChildProcess;
let client: AnalyzerClient;

/** One unary call: `rpc<Response>((done) => client.method(request, done))`. */
function rpc<Response>(invoke: (done: (error: grpc.ServiceError | null, response: Response) => void) => void): Promise<Response> {
  return new Promise((resolve, reject) => {
    invoke((error, response) => (error ? reject(error) : resolve(response)));
  });
}

const levels: Record<string, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };

async function configure(file: string): Promise<void> {
  const request = new analyzer.ConfigureAnalyzerRequest();
  for (const [name, entry] of Object.entries(readPolicyPackConfig(path.join(repoRoot, "policies", "config", file)))) {
    const config = new analyzer.PolicyConfig();
    const { enforcementLevel, ...settings } = typeof entry === "string" ? { enforcementLevel: entry } : (entry as Record<string, unknown>);
    const policy = policies.find((p) => p.name === name);
    config.setEnforcementlevel(levels[String((enforcementLevel as string | undefined) ?? policy?.enforcementLevel)]);
    config.setProperties(Struct.fromJavaScript(settings as Record<string, JavaScriptValue>));
    request.getPolicyconfigMap().set(name, config);
  }
  await rpc<Empty>((done) => client.configure(request, done));
}

function options(): analyzer.AnalyzerResourceOptions {
  const opts = new analyzer.AnalyzerResourceOptions();
  opts.setProtect(false);
  return opts;
}

async function analyze(resource: TestResource): Promise<string[]> {
  const request = new analyzer.AnalyzeRequest();
  request.setType(resource.type);
  request.setName(resource.name ?? "test");
  request.setUrn(`urn:pulumi:test::data-flywheel::${resource.type}::${resource.name ?? "test"}`);
  request.setProperties(Struct.fromJavaScript(resource.props as Record<string, JavaScriptValue>));
  request.setOptions(options());
  const response = await rpc<analyzer.AnalyzeResponse>((done) => client.analyze(request, done));
  return response.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage().split("\n").pop()}`);
}

async function analyzeStack(resources: readonly TestResource[]): Promise<string[]> {
  const request = new analyzer.AnalyzeStackRequest();
  request.setResourcesList(
    resources.map((r) => {
      const resource = new analyzer.AnalyzerResource();
      resource.setType(r.type);
      resource.setName(r.name ?? "test");
      resource.setUrn(`urn:pulumi:test::data-flywheel::${r.type}::${r.name ?? "test"}`);
      resource.setProperties(Struct.fromJavaScript(r.props as Record<string, JavaScriptValue>));
      resource.setOptions(options());
      return resource;
    }),
  );
  const response = await rpc<analyzer.AnalyzeResponse>((done) => client.analyzeStack(request, done));
  return response.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage().split("\n").pop()}`);
}

beforeAll(async () => {
  pack = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:0", "."], { cwd: path.join(repoRoot, "policies") });
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    pack.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^(\d+)\s/.exec(out);
      if (match) {
        resolve(match[1]);
      }
    });
    pack.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    pack.on("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving: ${err}`)));
  });
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  pack?.kill();
});

describe("the pack under the Pulumi analyzer protocol", () => {
  it("announces its name, version and policies", async () => {
    const info = await rpc<analyzer.AnalyzerInfo>((done) => client.getAnalyzerInfo(new Empty(), done));
    expect([info.getName(), info.getVersion()]).toEqual(["data-flywheel", "0.1.0"]);
    expect(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()])).toEqual(policies.map((p) => [p.name, levels[p.enforcementLevel ?? "advisory"]]));
  });

  it("reviews typed resources by their Pulumi type, with the environment's config", async () => {
    const openEndpoint = edit(edit(eksCluster(), "props.vpcConfig.endpointPublicAccess", true), "props.vpcConfig.publicAccessCidrs", ["0.0.0.0/0"]);
    const apiAndAuditLogs = edit(eksCluster(), "props.enabledClusterLogTypes", ["api", "audit"]);
    await configure("development.json");
    expect(await analyze(apiAndAuditLogs)).toEqual([]);
    expect(await analyze(openEndpoint)).toEqual([expect.stringMatching(/^eks-endpoint-access: EKS cluster "data-flywheel-prod" has a public API endpoint open to 0\.0\.0\.0\/0/)]);
    await configure("production.json");
    expect(await analyze(apiAndAuditLogs)).toEqual([expect.stringMatching(/^eks-control-plane-logging: EKS cluster "data-flywheel-prod" does not log authenticator /)]);
    expect(await analyze(openEndpoint)).toEqual([expect.stringMatching(/^eks-endpoint-access: EKS cluster "data-flywheel-prod" has a public API endpoint open to 0\.0\.0\.0\/0/)]);
    expect(await analyze(edit(gpuNodeGroup(), "props.taints", []))).toEqual([expect.stringMatching(/^gpu-node-pool-tainted: .*has no nvidia\.com\/gpu NO_SCHEDULE taint/)]);
  });

  it("reviews Kubernetes objects (a ConfigGroup's children arrive the same way)", async () => {
    const cronJob = kubernetesResource(edit(flywheelCronJob(), "spec.concurrencyPolicy", "Allow"));
    expect(await analyze(cronJob)).toEqual([expect.stringMatching(/^cronjob-bounded: CronJob flywheel\/flywheel-support-agent allows concurrent runs/)]);
  });

  it("runs the stack policies", async () => {
    const stack = [namespace("flywheel"), flywheelCronJob()].map(kubernetesResource);
    expect(await analyzeStack(stack)).toEqual([expect.stringMatching(/^namespace-default-deny: Namespace "flywheel" has no default-deny NetworkPolicy/)]);
    expect(await analyzeStack([...stack, kubernetesResource(defaultDeny("flywheel"))])).toEqual([]);
  });
});
