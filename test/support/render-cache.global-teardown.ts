import * as fs from "node:fs";
import { renderCacheVariable } from "./render-cache.global-setup";

/** Deletes the run's shared stack renders. */
export default function removeRenderCache(): void {
  const cache = process.env[renderCacheVariable];
  if (cache) {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}
