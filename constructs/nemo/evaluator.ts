import { Construct } from "constructs";
import {
  NemoEvaluator as NemoEvaluatorObject,
  NemoEvaluatorSpecResourcesLimits,
  NemoEvaluatorSpecResourcesRequests,
} from "../imports/nim-operator-v3.1.2/nemoevaluator-apps.nvidia.com";
import type { ComputeResources } from "../common/compute-resources";
import { resourceLabel } from "../common/errors";
import { validateHttpUrl, validateServiceRoot } from "../common/http-urls";
import { validatePinnedReference } from "../common/images";
import { validateObjectName } from "../common/names";
import { inClusterServiceUrl } from "../nim/urls";
import { renderDatabase, renderServiceSpec, type NemoDatabase, type NemoServiceProps } from "./common";
import { nemoImageDefaults, type EvaluationImages } from "./images";

/** The Argo Workflows server the Evaluator submits evaluation workflows to. */
export interface EvaluatorArgoWorkflows {
  /** Argo server URL, e.g. `https://argo-workflows-server.argo.svc.cluster.local:2746`. */
  readonly endpoint: string;
  /** Service account the workflow pods run as (Argo's executor account, in the Evaluator's namespace). */
  readonly serviceAccount: string;
}

export interface NemoEvaluatorProps extends NemoServiceProps {
  /** Its PostgreSQL database (evaluation configs, targets, jobs and results). */
  readonly database: NemoDatabase;
  /** Root URL of NeMo Data Store (`NemoDatastore.url`); the Evaluator is given its Hugging Face API, `<root>/v1/hf`. */
  readonly datastoreUrl: string;
  /** Root URL of NeMo Entity Store (`NemoEntitystore.url`). */
  readonly entitystoreUrl: string;
  /** Argo Workflows, which runs the evaluation jobs. */
  readonly argoWorkflows: EvaluatorArgoWorkflows;
  /** Vector database (Milvus) URL, e.g. `http://milvus.nemo.svc.cluster.local:19530` (required by the CRD; used by retriever and RAG evaluations). */
  readonly vectorDbUrl: string;
  /**
   * Images the Evaluator launches per evaluation type.
   * @default nemoImageDefaults.evaluationImages
   */
  readonly evaluationImages?: EvaluationImages;
}

/** Default size of the Evaluator API container (evaluations themselves run as Argo workflows). */
export const nemoEvaluatorDefaultResources: ComputeResources = {
  requests: { cpu: "500m", memory: "1Gi" },
  limits: { cpu: "2", memory: "4Gi" },
};

/**
 * NeMo Evaluator: runs evaluation jobs (LLM-as-judge, tool-calling accuracy, …) against model
 * endpoints, as Argo workflows, with datasets from Data Store.
 */
export class NemoEvaluator extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** In-cluster root URL, `http://<name>.<namespace>.svc.cluster.local:8000`. */
  public readonly url: string;
  public readonly apiObject: NemoEvaluatorObject;

  constructor(scope: Construct, id: string, props: NemoEvaluatorProps) {
    super(scope, id);
    const owner = resourceLabel("NemoEvaluator", props.namespace, props.name);
    const common = renderServiceSpec(owner, props, { image: nemoImageDefaults.evaluator, resources: nemoEvaluatorDefaultResources }, {
      request: (value) => NemoEvaluatorSpecResourcesRequests.fromString(value),
      limit: (value) => NemoEvaluatorSpecResourcesLimits.fromString(value),
    });
    const datastoreUrl = validateServiceRoot(owner, "datastoreUrl", props.datastoreUrl);
    const entitystoreUrl = validateServiceRoot(owner, "entitystoreUrl", props.entitystoreUrl);
    const argoEndpoint = validateHttpUrl(owner, "argoWorkflows.endpoint", props.argoWorkflows.endpoint);
    validateObjectName(owner, "argoWorkflows.serviceAccount", props.argoWorkflows.serviceAccount);
    const vectorDbUrl = validateHttpUrl(owner, "vectorDbUrl", props.vectorDbUrl);
    const evaluationImages = props.evaluationImages ?? nemoImageDefaults.evaluationImages;
    for (const [kind, image] of Object.entries(evaluationImages)) {
      validatePinnedReference(owner, `evaluationImages.${kind}`, image);
    }

    this.name = props.name;
    this.namespace = props.namespace;
    this.url = inClusterServiceUrl(props.name, props.namespace);

    this.apiObject = new NemoEvaluatorObject(this, "Resource", {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        ...common,
        databaseConfig: renderDatabase(owner, props.database),
        // The Evaluator reads datasets through Data Store's Hugging Face API.
        datastore: { endpoint: `${datastoreUrl}/v1/hf` },
        entitystore: { endpoint: entitystoreUrl },
        argoWorkflows: { endpoint: argoEndpoint, serviceAccount: props.argoWorkflows.serviceAccount },
        vectorDb: { endpoint: vectorDbUrl },
        evaluationImages: { ...evaluationImages },
      },
    });
  }
}
