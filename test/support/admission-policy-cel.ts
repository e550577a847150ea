/**
 * Evaluates a synthesised ValidatingAdmissionPolicy's CEL offline, as the API server does for a
 * policy with `failurePolicy: Fail`: if any match condition is false the policy does not apply; a
 * validation that is false denies with its message; an expression that errors (a missing key read
 * without `has()`) denies too. Core CEL and the strings extension only (`@marcbachmann/cel-js`): an
 * expression using the Kubernetes CEL libraries, `params` or `variables` errors here, so a policy the
 * helper cannot judge fails its tests rather than passing them.
 */

/** The parts of a ValidatingAdmissionPolicy the API server evaluates for a request. */
export interface AdmissionPolicyManifest {
  readonly kind: string;
  readonly spec: {
    readonly matchConditions?: readonly { readonly name: string; readonly expression: string }[];
    readonly validations: readonly { readonly expression: string; readonly message?: string }[];
  };
}

/** A request as the policy sees it: `object`, and `oldObject` on UPDATE (null on CREATE, as in the API server). */
export interface AdmissionRequest {
  readonly operation: "CREATE" | "UPDATE";
  readonly object: unknown;
  readonly oldObject?: unknown;
}

/** The messages the policy denies `request` with; empty when it admits it. */
export async function admissionDenials(policy: AdmissionPolicyManifest, request: AdmissionRequest): Promise<string[]> {
  if (policy.kind !== "ValidatingAdmissionPolicy") {
    throw new Error(`expected a ValidatingAdmissionPolicy, got ${policy.kind}`);
  }
  const { Environment } = await import("@marcbachmann/cel-js");
  const environment = new Environment().registerVariable("object", "dyn").registerVariable("oldObject", "dyn").registerVariable("request", "map");
  const context = { object: request.object, oldObject: request.oldObject ?? null, request: { operation: request.operation } };
  const evaluate = (expression: string): { readonly value?: unknown; readonly error?: string } => {
    try {
      return { value: environment.evaluate(expression, context) as unknown };
    } catch (error) {
      return { error: error instanceof Error ? error.message.split("\n")[0] : String(error) };
    }
  };

  for (const condition of policy.spec.matchConditions ?? []) {
    const { value, error } = evaluate(condition.expression);
    if (error !== undefined) {
      return [`matchCondition ${condition.name} errors: ${error}`];
    }
    if (value === false) {
      return [];
    }
  }
  const denials: string[] = [];
  for (const validation of policy.spec.validations) {
    const { value, error } = evaluate(validation.expression);
    if (error !== undefined) {
      denials.push(`expression errors: ${error}: ${validation.expression}`);
    } else if (value !== true) {
      denials.push(validation.message ?? `failed expression: ${validation.expression}`);
    }
  }
  return denials;
}
