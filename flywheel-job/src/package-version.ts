import { readFileSync } from "node:fs";
import { join } from "node:path";

/** This package's version, from its package.json (one level above `src/` and `dist/` alike). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string };
  return manifest.version;
}
