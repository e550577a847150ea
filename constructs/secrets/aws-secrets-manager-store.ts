import { Construct } from "constructs";
import { fail } from "../common/errors";
import { validateNamespace, validateObjectName } from "../common/names";
import { ClusterSecretStore, ClusterSecretStoreSpecProviderAwsService } from "../imports/external-secrets-v2.9.0/clustersecretstore-external-secrets.io";

export interface AwsSecretsManagerStoreProps {
  /** The store's name, which ExternalSecrets refer to in `secretStoreRef`. */
  readonly name: string;
  /** Region of the secrets, such as `us-west-2`. */
  readonly region: string;
  /**
   * The only namespaces whose ExternalSecrets may use the store; at least one. An ExternalSecret
   * elsewhere is refused by the controller, so a namespace that needs no secret cannot read any.
   */
  readonly namespaces: readonly string[];
}

// `us-west-2`, `eu-central-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-3`.
const awsRegion = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * An External Secrets Operator ClusterSecretStore for AWS Secrets Manager in one region. It has no
 * `auth` section: the controller reads with its own AWS identity (EKS Pod Identity on its
 * ServiceAccount), whose IAM policy decides which secrets exist for it. `spec.conditions` limits
 * the store to the namespaces listed, as a ClusterSecretStore is otherwise usable from every namespace.
 */
export class AwsSecretsManagerStore extends Construct {
  readonly store: ClusterSecretStore;
  /** What an ExternalSecret's `spec.secretStoreRef` names. */
  readonly ref: { readonly kind: "ClusterSecretStore"; readonly name: string };

  constructor(scope: Construct, id: string, props: AwsSecretsManagerStoreProps) {
    super(scope, id);
    const owner = `ClusterSecretStore ${props.name}`;
    validateObjectName(owner, "name", props.name);
    if (!awsRegion.test(props.region)) {
      fail(owner, `region "${props.region}" is not an AWS region name (such as us-west-2)`);
    }
    if (props.namespaces.length === 0) {
      fail(owner, "namespaces is empty: the store would be usable from no namespace, and without conditions from every one");
    }
    props.namespaces.forEach((namespace) => validateNamespace(owner, namespace));
    const duplicate = props.namespaces.find((namespace, i) => props.namespaces.indexOf(namespace) !== i);
    if (duplicate !== undefined) {
      fail(owner, `namespaces lists "${duplicate}" twice`);
    }

    this.store = new ClusterSecretStore(this, "store", {
      metadata: { name: props.name },
      spec: {
        provider: { aws: { service: ClusterSecretStoreSpecProviderAwsService.SECRETS_MANAGER, region: props.region } },
        conditions: [{ namespaces: [...props.namespaces] }],
      },
    });
    this.ref = { kind: "ClusterSecretStore", name: props.name };
  }
}
