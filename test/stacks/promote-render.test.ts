import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadStackConfig } from "../../stacks/config/load";
import { repoRoot, stackConfigSource } from "../../render/stack-files";
import { writeRendered } from "../../render/write";
import type { RenderedStack } from "../../render/render-stack";
import { loadRenderedStack } from "../../policies/offline/dist";
import { reviewResourcesOfStack } from "../../policies/offline/review-stack";
import { promote, recordRun } from "../../flywheel-job/test/support/promotion-records";
import { renderedVariant } from "../support/rendered-stacks";

/**
 * `flywheel promote` end to end on the stack side: a run recorded as `flywheel run --state-dir`
 * leaves it, promoted into a copy of the dev stack file, is a configuration the stack loads, a
 * render that serves the model as a NIMService, and a render the policy pack passes.
 */

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "promote-render-"));
const stacksDirectory = path.join(scratch, "stacks");
let runId: string;
let promotedText: string;

beforeAll(async () => {
  fs.mkdirSync(stacksDirectory);
  fs.copyFileSync(path.join(repoRoot, "Pulumi.yaml"), path.join(scratch, "Pulumi.yaml"));
  fs.copyFileSync(path.join(repoRoot, "stacks", "Pulumi.dev.yaml"), path.join(stacksDirectory, "Pulumi.dev.yaml"));
  const stateDirectory = path.join(scratch, "state");
  runId = (await recordRun(stateDirectory)).id;
  const result = await promote([runId, "--stack", "dev", "--state-dir", stateDirectory, "--stacks-dir", stacksDirectory]);
  if (result.code !== 0) {
    throw new Error(`flywheel promote failed: ${result.stderr}`);
  }
  promotedText = fs.readFileSync(path.join(stacksDirectory, "Pulumi.dev.yaml"), "utf8");
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe("a promotion into the dev stack file", () => {
  it("is a configuration the stack loads, with the entry serving and its evidence", () => {
    const config = loadStackConfig(stackConfigSource("dev", scratch), "placeholder");
    expect(config.serving).toEqual([
      expect.objectContaining({
        name: "customer-support",
        model: "meta/llama-3.2-1b-instruct",
        replicas: { min: 1, max: 1 },
        clientNamespaces: ["support-web"],
        promotedFrom: expect.objectContaining({ runId, evalType: "base-eval", targets: { function_name_and_args_accuracy: 0.95 } }),
      }),
    ]);
  });

  describe("rendered", () => {
    let rendered: RenderedStack;

    beforeAll(async () => {
      // The file is written once per run of this suite; its name keys the shared render.
      rendered = await renderedVariant(`promoted-dev-${runId}`, () => stackConfigSource("dev", scratch));
    });

    it("serves the model as a NIMService in the serving namespace, at the promoted replicas", () => {
      const nim = rendered.manifests.find((m) => m.kind === "NIMService" && m.metadata.namespace === "serving" && m.metadata.name === "customer-support");
      expect(nim).toBeDefined();
      const spec = nim?.spec as { image: { repository: string; tag: string }; replicas?: number };
      expect(spec.image).toMatchObject({ repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.12.0" });
      expect(spec.replicas).toBe(1);
      expect(promotedText).toContain(`runId: ${runId}`);
    });

    it("passes every mandatory policy of the pack", async () => {
      const dir = path.join(scratch, "dist");
      writeRendered(rendered, dir);
      const { review } = await reviewResourcesOfStack("dev", loadRenderedStack(dir), dir);
      expect(review.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
    });
  });
});
