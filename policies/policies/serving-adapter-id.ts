import type { ResourceValidationPolicy } from "@pulumi/policy";
import { customizedModelIdPattern, servingAnnotationKeys } from "../../flywheel-job/src/contract";
import { describeObject, validateKubernetesObject } from "../lib/kubernetes";
import { isServingModel, servingAnnotation } from "../lib/serving";

/**
 * A served LoRA adapter is the model a customization job produced, named as Customizer returns it
 * (`namespace/name@cust-<id>`, the job's contract `customizedModelIdPattern`, which the stack config
 * checks too): any other name is a model no run evaluated, or a typo that NIM reports only at load.
 */
export const servingAdapterId: ResourceValidationPolicy = {
  name: "serving-adapter-id",
  description:
    "A served model's LoRA adapter (the data-flywheel.io/adapter annotation of a data-flywheel:serving NIMService) is a customized model id as Customizer returns it, namespace/name@cust-<id>. " +
    "Mandatory: any other name is not the output of an evaluated run.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Set the entry's adapter to the customized model id of the promoted run (flywheel promote writes it), namespace/name@cust-<id>.",
  validateResource: validateKubernetesObject((object, _args, reportViolation) => {
    const adapter = isServingModel(object) ? servingAnnotation(object, "adapter") : undefined;
    if (adapter !== undefined && !customizedModelIdPattern.test(adapter)) {
      reportViolation(
        `${describeObject(object)} serves the adapter ${JSON.stringify(adapter)} (annotation ${servingAnnotationKeys.adapter}), which is not a customized model id as Customizer returns it (namespace/name@cust-<id>). ` +
          "Fix: set the entry's adapter to the customized model id of the promoted run, as `flywheel promote` writes it.",
      );
    }
  }),
};
