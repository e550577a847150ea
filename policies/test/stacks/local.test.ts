import { mandatoryLines, renderForReview, violationsOf, type RenderedForReview } from "../support/stack-review";

let local: RenderedForReview;

beforeAll(async () => {
  local = await renderForReview("local");
});

describe("the local stack under the policy pack", () => {
  it("passes every mandatory policy", async () => {
    expect(mandatoryLines(await violationsOf(local))).toEqual([]);
  });
});
