import { servingAdapterId } from "../../policies/serving-adapter-id";
import { objectViolations } from "../support/policy-review";
import { annotated, nimService, servingNimService } from "../support/fixtures";

const withAdapter = (adapter: string) => annotated(servingNimService(), "adapter", adapter);

describe("serving-adapter-id", () => {
  it("passes a served model without an adapter, and one whose adapter is a customized model id", async () => {
    expect(await objectViolations(servingAdapterId, servingNimService())).toEqual([]);
    expect(await objectViolations(servingAdapterId, withAdapter("default/llama-3.2-1b-support-agent@cust-9XkTq2bL4mNcR7sVwZ1yAe"))).toEqual([]);
  });

  it("catches an adapter that is not a customized model id as Customizer returns it", async () => {
    expect(await objectViolations(servingAdapterId, withAdapter("llama-3.2-1b-support-agent"))).toEqual([
      'NIMService serving/support-agent serves the adapter "llama-3.2-1b-support-agent" (annotation data-flywheel.io/adapter), which is not a customized model id as Customizer returns it (namespace/name@cust-<id>). ' +
        "Fix: set the entry's adapter to the customized model id of the promoted run, as `flywheel promote` writes it.",
    ]);
    for (const adapter of ["default/llama@v2", "default/llama@cust-", "llama@cust-abc", "", "default/llama@cust-abc\nx"]) {
      expect(await objectViolations(servingAdapterId, withAdapter(adapter))).toEqual([expect.stringContaining("is not a customized model id")]);
    }
  });

  it("reads only the serving entries' annotation", async () => {
    expect(await objectViolations(servingAdapterId, { ...nimService(), metadata: { ...nimService().metadata, annotations: { "data-flywheel.io/adapter": "anything" } } })).toEqual([]);
  });
});
