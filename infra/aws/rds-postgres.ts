import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { generatedPassword } from "../generated-password";

export interface RdsPostgresArgs {
  readonly vpcId: pulumi.Input<string>;
  /** Clients allowed to connect: the EKS cluster security group, which every node carries. */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /** Private subnets, in at least two zones. */
  readonly subnetIds: pulumi.Input<string>[];
  /**
   * The CIDRs of those subnets: the instance's address, and a Multi-AZ standby's after a failover,
   * is in one of them.
   */
  readonly subnetCidrs: readonly string[];
  readonly instanceClass: string;
  readonly engineVersion: string;
  readonly allocatedStorageGiB: number;
  readonly multiAz: boolean;
  readonly backupRetentionDays: number;
  /** Keep a final snapshot and refuse deletion. */
  readonly production: boolean;
  /**
   * Customer-managed KMS key of the storage, snapshots and backups. AWS sets an instance's key when
   * it creates it and cannot change it: changing this replaces the instance (see the README,
   * "Customer-managed keys", for the snapshot-and-restore migration).
   * @default the AWS-managed `aws/rds` key
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  readonly tags?: Record<string, string>;
}

/**
 * Amazon RDS for PostgreSQL for the NeMo microservices: private, encrypted, backed up, with a
 * generated master password. The services' own databases and users are created in-cluster by a
 * bootstrap Job with these master credentials.
 */
export class RdsPostgres extends pulumi.ComponentResource {
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** Where the server's addresses are (its DB subnet group's subnets): what clients' egress admits. */
  readonly subnetCidrs: readonly string[];
  readonly masterUsername = "flywheel_admin";
  readonly masterPassword: pulumi.Output<string>;

  constructor(name: string, args: RdsPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-flywheel:aws:RdsPostgres", name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags ?? {};
    const major = args.engineVersion.split(".")[0];

    const subnets = new aws.rds.SubnetGroup(name, { subnetIds: args.subnetIds, tags }, parent);
    const securityGroup = new aws.ec2.SecurityGroup(name, {
      vpcId: args.vpcId,
      description: "PostgreSQL from the cluster's nodes",
      ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: [args.clientSecurityGroupId], description: "PostgreSQL" }],
      tags: { ...tags, Name: name },
    }, parent);
    // Every connection must use TLS. NeMo Data Store, whose Gitea the NIM operator starts with TLS off
    // (k8s-nim-operator v3.1.2 api/apps/v1alpha1/nemo_datastore_types.go sets
    // GITEA__DATABASE__SSL_MODE=disable, and no NeMo resource's databaseConfig has an sslmode field),
    // keeps its database in the cluster's CloudNativePG instead (NemoMicroservices). The clients left
    // negotiate TLS: Entity Store, Evaluator and Customizer get host and credentials without an
    // sslmode, so their drivers' default (prefer) tries TLS first, which this makes mandatory; MLflow
    // and the bootstrap Job set PGSSLMODE=require.
    const parameters = new aws.rds.ParameterGroup(name, {
      family: `postgres${major}`,
      parameters: [{ name: "rds.force_ssl", value: "1" }],
      tags,
    }, parent);
    const password = generatedPassword(`${name}-master`, this);

    const instance = new aws.rds.Instance(name, {
      engine: "postgres",
      engineVersion: args.engineVersion,
      instanceClass: args.instanceClass,
      allocatedStorage: args.allocatedStorageGiB,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: args.kmsKeyArn,
      multiAz: args.multiAz,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [securityGroup.id],
      parameterGroupName: parameters.name,
      username: this.masterUsername,
      password: password.result,
      publiclyAccessible: false,
      backupRetentionPeriod: args.backupRetentionDays,
      autoMinorVersionUpgrade: true,
      deletionProtection: args.production,
      skipFinalSnapshot: !args.production,
      finalSnapshotIdentifier: args.production ? `${name}-final` : undefined,
      copyTagsToSnapshot: true,
      tags,
      // In production a change AWS can only make by replacing the instance (its KMS key, its
      // encryption) must stop the preview instead of creating a new, empty database next to the old one.
    }, { parent: this, protect: args.production });

    this.address = instance.address;
    this.port = instance.port;
    this.subnetCidrs = args.subnetCidrs;
    this.masterPassword = pulumi.secret(password.result);
    this.registerOutputs({ address: this.address });
  }
}
