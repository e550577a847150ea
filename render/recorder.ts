import * as pulumi from "@pulumi/pulumi";
import { maskSecrets, outputsIn, type InputPath } from "./secret-masking";

/** One resource the program registered, as `dist/<stack>/resources.json` lists it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** `<type>::<name>` of the parent component, or null for a top-level resource. */
  readonly parent: string | null;
  /** The resource's inputs as the engine would receive them; secret values read "[secret]". */
  readonly inputs: Record<string, unknown>;
  /** Resource options a reviewer relies on, when set: explicit dependencies and ignored changes. */
  readonly options?: RecordedOptions;
}

export interface RecordedOptions {
  /** `<type>::<name>` of each resource this one waits for. */
  readonly dependsOn?: string[];
  readonly ignoreChanges?: string[];
}

/** Outputs a mocked resource reports, beyond its inputs: what the program reads back from AWS. */
function mockOutputs(type: string, name: string, inputs: Record<string, unknown>, region: string): Record<string, unknown> {
  const account = "123456789012";
  const arn = `arn:aws:${type.split(":")[1]?.split("/")[0] ?? "mock"}:${region}:${account}:${name}`;
  switch (type) {
    case "aws:eks/cluster:Cluster":
      return {
        arn,
        endpoint: `https://${name}.gr7.${region}.eks.amazonaws.com`,
        certificateAuthority: { data: "bW9jay1jbHVzdGVyLWNh" },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/MOCK${name.toUpperCase()}` }] }],
        vpcConfig: { ...(inputs.vpcConfig as object), clusterSecurityGroupId: `sg-${name}-cluster` },
      };
    case "aws:eks/nodeGroup:NodeGroup":
      return { arn, nodeGroupName: name, resources: [{ autoscalingGroups: [{ name: `eks-${name}-asg` }] }] };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { arn, latestVersion: 1 };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${account}:role/${name}`, name };
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      return { arn: `arn:aws:iam::${account}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}` };
    case "aws:rds/instance:Instance":
      return { arn, address: `${name}.mock.${region}.rds.amazonaws.com`, port: 5432 };
    case "random:index/randomPassword:RandomPassword":
      return { result: `mock-password-${name}` };
    case "random:index/randomBytes:RandomBytes":
      return { base64: Buffer.alloc(Number(inputs.length ?? 32), name).toString("base64"), hex: Buffer.alloc(Number(inputs.length ?? 32), name).toString("hex") };
    case "tls:index/privateKey:PrivateKey":
      return { privateKeyPem: `-----BEGIN PRIVATE KEY-----\nmock ${name}\n-----END PRIVATE KEY-----\n`, publicKeyPem: `mock-public-key-${name}` };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { certPem: `-----BEGIN CERTIFICATE-----\nmock ${name}\n-----END CERTIFICATE-----\n` };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: `mock-csr-${name}` };
    default:
      return { arn };
  }
}

/** The deploying identity the render assumes: the example CI role the shipped stack files list. */
const renderDeployerRoleArn = "arn:aws:iam::111122223333:role/flywheel-deployer";

/** Results of the data sources the program reads. */
function mockCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: "111122223333", arn: "arn:aws:sts::111122223333:assumed-role/flywheel-deployer/render", userId: "AROAEXAMPLE:render" };
    case "aws:iam/getSessionContext:getSessionContext":
      return { arn: inputs.arn, issuerArn: renderDeployerRoleArn, issuerName: "flywheel-deployer" };
    default:
      return inputs;
  }
}

/**
 * Installs Pulumi mocks that record every resource the program registers, with its parent (mocks
 * do not see parents, so a stack transformation notes them as resources are constructed).
 */
export class ResourceRecorder {
  private readonly records: RecordedResource[] = [];
  /** The Outputs in each resource's arguments, to tell which parts of a lifted secret input are secret. */
  private readonly outputs = new Map<string, { path: InputPath; output: pulumi.Output<unknown> }[]>();
  private readonly parents = new Map<string, string | null>();
  private readonly options = new Map<string, RecordedOptions>();
  private readonly keys = new WeakMap<pulumi.Resource, string>();

  constructor(private readonly region: string) {}

  /** Installs the mocks; call before the program declares anything. */
  async install(project: string, stack: string): Promise<void> {
    await pulumi.runtime.setMocks(
      {
        newResource: (args: pulumi.runtime.MockResourceArgs) => {
          const key = `${args.type}::${args.name}`;
          const options = this.options.get(key);
          this.records.push({
            type: args.type,
            name: args.name,
            parent: this.parents.get(key) ?? null,
            inputs: args.inputs,
            ...(options ? { options } : {}),
          });
          return { id: `${args.name}-id`, state: { ...args.inputs, ...mockOutputs(args.type, args.name, args.inputs, this.region) } };
        },
        call: (args: pulumi.runtime.MockCallArgs) => mockCall(args.token, args.inputs),
      },
      project,
      stack,
      false,
    );
  }

  /** Registers the transformation that notes parents; must run inside the stack. */
  trackParents(): void {
    pulumi.runtime.registerStackTransformation((args) => {
      const key = `${args.type}::${args.name}`;
      this.keys.set(args.resource, key);
      this.parents.set(key, args.opts.parent ? (this.keys.get(args.opts.parent) ?? null) : null);
      this.outputs.set(key, outputsIn(args.props));
      const dependsOn = [args.opts.dependsOn ?? []]
        .flat()
        .filter((d): d is pulumi.Resource => pulumi.Resource.isInstance(d))
        .map((d) => this.keys.get(d) ?? "(unknown)");
      const ignoreChanges = args.opts.ignoreChanges ?? [];
      if (dependsOn.length > 0 || ignoreChanges.length > 0) {
        this.options.set(key, {
          ...(dependsOn.length > 0 ? { dependsOn } : {}),
          ...(ignoreChanges.length > 0 ? { ignoreChanges: [...ignoreChanges] } : {}),
        });
      }
      return undefined;
    });
  }

  /** Everything recorded but the stack itself, secrets masked, in a stable order. */
  async resources(): Promise<RecordedResource[]> {
    const records = this.records.filter((r) => r.type !== "pulumi:pulumi:Stack");
    const masked = await Promise.all(
      records.map(async (record) => {
        const outputs = this.outputs.get(`${record.type}::${record.name}`) ?? [];
        const secret = await Promise.all(outputs.map(async ({ path, output }) => ((await pulumi.isSecret(output)) ? [path] : [])));
        return { ...record, inputs: maskSecrets(record.inputs, secret.flat()) as Record<string, unknown> };
      }),
    );
    return masked.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  }
}
