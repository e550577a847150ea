import * as pulumi from "@pulumi/pulumi";
import { maskSecrets, outputsIn, type InputPath } from "./secret-masking";
import { aliasUrns, createUrn, type AliasSpec } from "./urns";

/** One resource the program registered, as `dist/<stack>/resources.json` lists it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** `<type>::<name>` of the parent component, or null for a top-level resource. */
  readonly parent: string | null;
  /** The URN `pulumi up` gives the resource: `urn:pulumi:<stack>::<project>::<ancestors' types>$<type>::<name>`. */
  readonly urn: string;
  /** False for a component resource: no provider, no state of its own. */
  readonly custom: boolean;
  /** Set for a component a provider constructs (a ConfigGroup): it has children the render does not see. */
  readonly remote?: true;
  /** The resource's inputs as the engine would receive them; secret values read "[secret]". */
  readonly inputs: Record<string, unknown>;
  /** Resource options a reviewer relies on, when set: explicit dependencies, ignored changes, aliases. */
  readonly options?: RecordedOptions;
}

export interface RecordedOptions {
  /** `<type>::<name>` of each resource this one waits for. */
  readonly dependsOn?: string[];
  readonly ignoreChanges?: string[];
  /**
   * The old URNs `pulumi up` may find this resource's state under, in the order it tries them: its
   * own aliases and those inherited from its ancestors' (`aliasUrns` in urns.ts says how).
   */
  readonly aliasUrns?: string[];
}

/** When the render's mocked certificates start: 2026-01-01T00:00:00Z. */
const mockCertificateStart = Date.UTC(2026, 0, 1);

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
      return {
        certPem: `-----BEGIN CERTIFICATE-----\nmock ${name}\n-----END CERTIFICATE-----\n`,
        // A fixed start keeps the render reproducible; the end follows the requested validity.
        validityEndTime: new Date(mockCertificateStart + Number(inputs.validityPeriodHours ?? 0) * 3_600_000).toISOString().replace(/\.000Z$/, "Z"),
      };
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
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
    case "aws:secretsmanager/getSecretVersion:getSecretVersion":
      // Offline there is no secret to read: a stand-in, which the render masks like any secret.
      return { ...inputs, arn: `arn:aws:secretsmanager:us-east-1:111122223333:secret:${String(inputs.secretId)}-AbCdEf`, secretString: `placeholder-${String(inputs.secretId)}` };
    case "aws:iam/getSessionContext:getSessionContext":
      return { arn: inputs.arn, issuerArn: renderDeployerRoleArn, issuerName: "flywheel-deployer" };
    default:
      return inputs;
  }
}

/** A resource as the stack transformation saw it being constructed. */
interface Declared {
  readonly resource: pulumi.Resource;
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parentUrn?: string;
  readonly aliases: readonly pulumi.Input<pulumi.URN | pulumi.Alias>[];
}

/** An Input's value, once the program has run. */
function resolved<T>(input: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
  return new Promise((resolve) => pulumi.output(input).apply(resolve));
}

/**
 * Installs Pulumi mocks that record every resource the program registers, with its parent, URN and
 * alias URNs (mocks do not see parents or aliases, so a stack transformation notes them as
 * resources are constructed).
 */
export class ResourceRecorder {
  private readonly records: { type: string; name: string; custom: boolean; inputs: Record<string, unknown> }[] = [];
  /** The Outputs in each resource's arguments, to tell which parts of a lifted secret input are secret. */
  private readonly outputs = new Map<string, { path: InputPath; output: pulumi.Output<unknown> }[]>();
  private readonly parents = new Map<string, string | null>();
  private readonly options = new Map<string, RecordedOptions>();
  private readonly keys = new WeakMap<pulumi.Resource, string>();
  private readonly urns = new WeakMap<pulumi.Resource, string>();
  /** Every resource but the stack, in the order constructed: parents before their children. */
  private readonly declared = new Map<string, Declared>();
  private stack = "stack";
  private project = "project";

  constructor(private readonly region: string) {}

  /** Installs the mocks; call before the program declares anything. */
  async install(project: string, stack: string): Promise<void> {
    this.project = project;
    this.stack = stack;
    await pulumi.runtime.setMocks(
      {
        newResource: (args: pulumi.runtime.MockResourceArgs) => {
          const inputs = args.inputs as Record<string, unknown>;
          this.records.push({ type: args.type, name: args.name, custom: args.custom === true, inputs });
          return { id: `${args.name}-id`, state: { ...inputs, ...mockOutputs(args.type, args.name, inputs, this.region) } };
        },
        call: (args: pulumi.runtime.MockCallArgs) => mockCall(args.token, args.inputs as Record<string, unknown>),
      },
      project,
      stack,
      false,
    );
    // The mocks put only the parent's own type into a URN, and the root stack's too; the engine puts
    // every ancestor's but the stack's. The program sees the engine's, so URNs it builds aliases from
    // (pulumi.createUrn from a component's urn) are the ones `pulumi up` would compute.
    const monitor = pulumi.runtime.getMonitor() as unknown as { newUrn?: unknown } | undefined;
    if (typeof monitor?.newUrn !== "function") {
      throw new Error("the Pulumi SDK's mock monitor no longer computes URNs in newUrn: render/recorder.ts must learn how this SDK's mocks do");
    }
    monitor.newUrn = (parent: string, type: string, name: string): string => createUrn(name, type, parent || undefined, stack, project);
  }

  /** Registers the transformation that notes parents, URNs and aliases; must run inside the stack. */
  trackParents(): void {
    pulumi.runtime.registerStackTransformation((args) => {
      const key = `${args.type}::${args.name}`;
      this.keys.set(args.resource, key);
      this.parents.set(key, args.opts.parent ? (this.keys.get(args.opts.parent) ?? null) : null);
      // A parent not seen here is the stack, constructed before the transformation was registered.
      const parentUrn = args.opts.parent ? this.urns.get(args.opts.parent) : undefined;
      const urn = createUrn(args.name, args.type, parentUrn, this.stack, this.project);
      this.urns.set(args.resource, urn);
      this.declared.set(key, { resource: args.resource, type: args.type, name: args.name, urn, parentUrn, aliases: [...(args.opts.aliases ?? [])] });
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

  /** An alias as the SDK sends it to the engine (`mapAliasesForRequest`): an old URN, or a spec with the parent's URN. */
  private async aliasSpec(alias: pulumi.Input<pulumi.URN | pulumi.Alias>, declared: Declared): Promise<AliasSpec> {
    const value = typeof alias === "string" ? alias : pulumi.Output.isInstance(alias) || alias instanceof Promise ? await resolved(alias) : alias;
    if (typeof value === "string") {
      return { urn: value };
    }
    const spec = value;
    const text = async (input: pulumi.Input<string> | undefined) => (input === undefined ? undefined : (await resolved(input)) || undefined);
    const [name, type, stack, project] = await Promise.all([text(spec.name), text(spec.type), text(spec.stack), text(spec.project)]);
    const parts = { ...(name ? { name } : {}), ...(type ? { type } : {}), ...(stack ? { stack } : {}), ...(project ? { project } : {}) };
    if (!Object.prototype.hasOwnProperty.call(spec, "parent")) {
      return { ...parts, ...(declared.parentUrn ? { parentUrn: declared.parentUrn } : {}) };
    }
    if (spec.parent === undefined) {
      return { ...parts, noParent: true };
    }
    const parentUrn = pulumi.Resource.isInstance(spec.parent) ? (this.urns.get(spec.parent) ?? (await resolved(spec.parent.urn))) : await resolved(spec.parent);
    return { ...parts, parentUrn };
  }

  /** Each resource's alias URNs, in the order constructed, so that a parent's are known before its children's. */
  private async aliasUrns(): Promise<Map<string, string[]>> {
    const byUrn = new Map<string, string[]>();
    const context = { stack: this.stack, project: this.project, aliasesOf: (urn: string) => byUrn.get(urn) ?? [] };
    for (const declared of this.declared.values()) {
      const specs = await Promise.all(declared.aliases.map((alias) => this.aliasSpec(alias, declared)));
      byUrn.set(declared.urn, aliasUrns(declared, specs, context));
    }
    return byUrn;
  }

  /** Everything recorded but the stack itself, secrets masked, in a stable order. */
  async resources(): Promise<RecordedResource[]> {
    const aliases = await this.aliasUrns();
    const records = this.records.filter((r) => r.type !== "pulumi:pulumi:Stack");
    const masked = await Promise.all(
      records.map(async (record): Promise<RecordedResource> => {
        const key = `${record.type}::${record.name}`;
        const declared = this.declared.get(key);
        if (!declared) {
          throw new Error(`${record.type} "${record.name}" was registered without passing the stack transformation: its URN is unknown`);
        }
        const registeredUrn = await resolved(declared.resource.urn);
        if (registeredUrn !== declared.urn) {
          throw new Error(`${record.type} "${record.name}": the mocks gave it URN ${registeredUrn}, the engine would give ${declared.urn}`);
        }
        const outputs = this.outputs.get(key) ?? [];
        const secret = await Promise.all(outputs.map(async ({ path, output }) => ((await pulumi.isSecret(output)) ? [path] : [])));
        const aliasUrns = aliases.get(declared.urn) ?? [];
        const options = { ...this.options.get(key), ...(aliasUrns.length > 0 ? { aliasUrns } : {}) };
        const remote = (declared.resource as { __remote?: unknown }).__remote === true;
        return {
          type: record.type,
          name: record.name,
          parent: this.parents.get(key) ?? null,
          urn: declared.urn,
          custom: record.custom,
          ...(remote ? { remote } : {}),
          inputs: maskSecrets(record.inputs, secret.flat()) as Record<string, unknown>,
          ...(Object.keys(options).length > 0 ? { options } : {}),
        };
      }),
    );
    return masked.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  }
}
