import * as pulumi from "@pulumi/pulumi";
import { ResourceRecorder, type RecordedResource } from "../../render/recorder";

/**
 * Declares what `declare` builds under the render's mocks (one program per test file: Pulumi's
 * runtime is process-wide) and returns every resource it registered, with parents and inputs.
 */
export async function recordUnderMocks(declare: () => void): Promise<RecordedResource[]> {
  const recorder = new ResourceRecorder("us-west-2");
  await recorder.install("data-flywheel", "test");
  await pulumi.runtime.runInPulumiStack(() => {
    recorder.trackParents();
    declare();
    return Promise.resolve({});
  });
  await pulumi.runtime.disconnect();
  return recorder.resources();
}
