import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * The environment variable naming the directory where one `jest` run shares its stack renders
 * (`rendered-stacks.ts`). Set here, before any worker starts, so every worker inherits it.
 */
export const renderCacheVariable = "FLYWHEEL_TEST_RENDER_CACHE";

export default function createRenderCache(): void {
  process.env[renderCacheVariable] = fs.mkdtempSync(path.join(os.tmpdir(), "flywheel-test-renders-"));
}
