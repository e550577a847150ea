import { ApiObject } from "cdk8s";
import type { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import { candidateNimComponent, gpuNodeSelector, gpuToleration, labelKeys, ngcSecretNames } from "../../flywheel-job/src/contract";
import { fail, resourceLabel } from "../common/errors";
import { type ContainerImage, validateImage } from "../common/images";
import { validateNamespace, validateObjectName } from "../common/names";
import { NimService } from "../imports/nim-operator-v3.1.2/nimservice-apps.nvidia.com";

export interface CandidateNimAdmissionProps {
  /** The flywheel namespace: the binding applies the policy to NIMServices there and nowhere else. */
  readonly namespace: string;
  /**
   * The images of the candidate models the workloads try (`models.candidates[].image` of each model a
   * workload names): a NIMService's containers may run only these repositories.
   */
  readonly candidateImages: readonly ContainerImage[];
  /**
   * Name of the ValidatingAdmissionPolicy and its binding (cluster-scoped, so the namespace is in it).
   * @default `${namespace}-candidate-nims`
   */
  readonly name?: string;
}

/** One rule of the policy: its name starts its message, so a denial says which rule failed. */
interface AdmissionRule {
  readonly name: string;
  /** CEL over `object`, true when the NIMService meets the rule. */
  readonly expression: string;
  readonly explanation: string;
}

const [nimGroup, nimVersion] = NimService.GVK.apiVersion.split("/");

const celString = (value: string): string => JSON.stringify(value);
const celList = (values: readonly string[]): string => `[${values.map(celString).join(", ")}]`;

/**
 * `predicate` of the main container (whose fields sit in `spec`) and of every init and sidecar
 * container, which the NIMService CRD declares with the same `image`, `command`, `args` and `env`.
 */
function everyContainer(predicate: (container: string) => string): string {
  const lists = ["initContainers", "sidecarContainers"].map((field) => `(!has(object.spec.${field}) || object.spec.${field}.all(c, ${predicate("c")}))`);
  // Parenthesised: a predicate with `||` would otherwise swallow the checks after it (`&&` binds tighter).
  return [`(${predicate("object.spec")})`, ...lists].join(" && ");
}

/** `labels` (a CEL map) holds `key`, with `value` or, without one, any non-empty value. */
function hasLabel(labels: string, key: string, value?: string): string {
  return `${celString(key)} in ${labels} && ${labels}[${celString(key)}] ${value === undefined ? "!= \"\"" : `== ${celString(value)}`}`;
}

/** What a candidate NIMService may ask for: what the job writes (`candidateNimService` in the job), nothing else. */
function admissionRules(repositories: readonly string[]): AdmissionRule[] {
  const ngcSecrets = Object.values(ngcSecretNames);
  const toleration = gpuToleration();
  const [[roleKey, roleValue]] = Object.entries(gpuNodeSelector("inference"));
  const runLabels = (labels: string): string =>
    [hasLabel(labels, labelKeys.runId), hasLabel(labels, labelKeys.workload), hasLabel(labels, labelKeys.component, candidateNimComponent)].join(" && ");
  const isGpuToleration = (["key", "operator", "value", "effect"] as const)
    .flatMap((field) => {
      const value = toleration[field];
      return value === undefined ? [] : [`has(t.${field}) && t.${field} == ${celString(value)}`];
    })
    .join(" && ");
  return [
    {
      name: "images",
      expression: everyContainer((c) => `${c}.image.repository in ${celList(repositories)}`),
      explanation: `every container (spec.image, spec.initContainers, spec.sidecarContainers) must run a candidate model's repository: ${repositories.join(", ")}`,
    },
    {
      // An admitted image with another command runs anything it holds, with the NGC key.
      name: "commands",
      expression: everyContainer((c) => `!has(${c}.command) && !has(${c}.args)`),
      explanation: "no container may set command or args: a candidate NIM runs its image's own entrypoint",
    },
    {
      name: "runLabels",
      expression: `has(object.metadata.labels) && ${runLabels("object.metadata.labels")} && has(object.spec.labels) && ${runLabels("object.spec.labels")}`,
      explanation: `metadata.labels and spec.labels (its pods' labels) must carry ${labelKeys.runId}, ${labelKeys.workload} and ${labelKeys.component}=${candidateNimComponent}`,
    },
    {
      name: "inferencePool",
      expression: [
        `has(object.spec.nodeSelector) && ${hasLabel("object.spec.nodeSelector", roleKey, roleValue)}`,
        `has(object.spec.tolerations) && object.spec.tolerations.exists(t, ${isGpuToleration})`,
        `object.spec.tolerations.all(t, has(t.key) && t.key == ${celString(toleration.key)})`,
      ].join(" && "),
      explanation: `spec.nodeSelector must select ${roleKey}=${roleValue}, and spec.tolerations tolerate the GPU taint ${toleration.key}:${toleration.effect} and no other`,
    },
    {
      name: "authSecret",
      expression: `object.spec.authSecret == ${celString(ngcSecretNames.apiKey)}`,
      explanation: `spec.authSecret must be the stack's NGC API key Secret "${ngcSecretNames.apiKey}"`,
    },
    {
      name: "pullSecrets",
      expression: everyContainer((c) => `!has(${c}.image.pullSecrets) || ${c}.image.pullSecrets.all(s, s == ${celString(ngcSecretNames.pullSecret)})`),
      explanation: `image pull secrets may only be the stack's "${ngcSecretNames.pullSecret}"`,
    },
    {
      name: "secretEnv",
      expression: everyContainer(
        (c) => `!has(${c}.env) || ${c}.env.all(e, !has(e.valueFrom) || !has(e.valueFrom.secretKeyRef) || e.valueFrom.secretKeyRef.name in ${celList(ngcSecrets)})`,
      ),
      explanation: `environment variables may read only the NGC Secrets (${ngcSecrets.join(", ")})`,
    },
    {
      name: "hostPath",
      expression: "!has(object.spec.storage) || !has(object.spec.storage.hostPath)",
      explanation: "spec.storage.hostPath is refused: a candidate NIM reads its weights from its NIMCache, never from the node's disk",
    },
    {
      name: "exposure",
      expression:
        "!has(object.spec.expose) || (!has(object.spec.expose.ingress) && !has(object.spec.expose.router) && " +
        "(!has(object.spec.expose.service) || !has(object.spec.expose.service.type) || object.spec.expose.service.type == \"ClusterIP\"))",
      explanation: "a candidate NIM is reached inside the cluster only: no spec.expose.ingress or spec.expose.router, and a ClusterIP Service",
    },
  ];
}

/**
 * Admission for what the flywheel job creates at run time: a ValidatingAdmissionPolicy, bound to the
 * flywheel namespace, that admits a NIMService only if it runs a candidate model's image with its own
 * entrypoint, carries the run labels the namespace's NetworkPolicies and the job's sweep select by,
 * runs on the inference GPU pool, refers to no Secret but the stack's NGC Secrets, and mounts no host
 * path and is exposed outside the cluster by no ingress, router or Service type. So a job that is made
 * to create something else (its Role lets it create any NIMService) is refused by the API server.
 *
 * Updates are judged only when they change the spec or the labels: the NIM operator's own writes (its
 * finalizer) always pass, so a NIMService created before the candidates changed can still be deleted.
 */
export class CandidateNimAdmission extends Construct {
  constructor(scope: Construct, id: string, props: CandidateNimAdmissionProps) {
    super(scope, id);
    const name = props.name ?? `${props.namespace}-candidate-nims`;
    const owner = resourceLabel("ValidatingAdmissionPolicy", props.namespace, name);
    validateNamespace(owner, props.namespace);
    validateObjectName(owner, "name", name);
    if (props.candidateImages.length === 0) {
      fail(owner, "candidateImages is empty: the policy would refuse every NIMService; create it only where a workload tries a candidate");
    }
    props.candidateImages.forEach((image, index) => validateImage(owner, `candidateImages[${index}]`, image));
    const repositories = [...new Set(props.candidateImages.map((image) => image.repository))].sort();
    const metadata = { name, labels: { [labelKeys.partOf]: "data-flywheel" } };

    const policy: k8s.ValidatingAdmissionPolicySpecV1Beta1 = {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [{ apiGroups: [nimGroup], apiVersions: [nimVersion], operations: ["CREATE", "UPDATE"], resources: ["nimservices"] }],
      },
      matchConditions: [
        {
          name: "changes-what-it-runs",
          expression:
            "request.operation == \"CREATE\" || object.spec != oldObject.spec || " +
            "has(object.metadata.labels) != has(oldObject.metadata.labels) || (has(object.metadata.labels) && object.metadata.labels != oldObject.metadata.labels)",
        },
      ],
      validations: admissionRules(repositories).map((rule) => ({ expression: rule.expression, message: `${rule.name}: ${rule.explanation}`, reason: "Forbidden" })),
    };
    // cdk8s-plus-28 types admissionregistration.k8s.io only up to v1beta1, whose shape v1 (GA in 1.30) kept.
    new ApiObject(this, "Policy", { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata, spec: policy });
    const binding: k8s.ValidatingAdmissionPolicyBindingSpecV1Beta1 = {
      policyName: name,
      validationActions: ["Deny"],
      matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": props.namespace } } },
    };
    new ApiObject(this, "Binding", { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata, spec: binding });
  }
}
