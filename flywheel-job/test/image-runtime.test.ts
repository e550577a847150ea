import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The Node.js version the job image runs, from its one owner. */
const imageNodeVersion = readFileSync(join(__dirname, "..", "..", ".node-version"), "utf8").trim();

/** Set by `.ci/run` when it runs these suites on the image's Node.js, installed from the npm registry. */
const onImageNode = process.env.FLYWHEEL_TEST_ON_IMAGE_NODE === "1";

describe("the job image's Node.js", () => {
  it("is the LTS release .node-version names, pinned by full tag in the Dockerfile", () => {
    expect(imageNodeVersion).toMatch(/^(24|26)\.\d+\.\d+$/);
    const dockerfile = readFileSync(join(__dirname, "..", "Dockerfile"), "utf8");
    expect(dockerfile).toContain(`\nARG NODE_IMAGE=node:${imageNodeVersion}-bookworm-slim\n`);
  });

  if (onImageNode) {
    it("runs these tests (CI's second pass of the job's suites)", () => {
      expect(process.version).toBe(`v${imageNodeVersion}`);
    });
  }
});
