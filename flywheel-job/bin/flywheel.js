#!/usr/bin/env node
"use strict";
// Runs the compiled CLI when it has been built (`npm run build`, and always in the image);
// otherwise the TypeScript source through ts-node (a root devDependency), transpile-only, so
// `npx flywheel` works straight after `npm ci`.
const { existsSync } = require("node:fs");
const { join } = require("node:path");

const compiled = join(__dirname, "..", "dist", "cli.js");
if (existsSync(compiled)) {
  require(compiled);
} else {
  require("ts-node").register({ transpileOnly: true, project: join(__dirname, "..", "tsconfig.build.json") });
  require(join(__dirname, "..", "src", "cli.ts"));
}
