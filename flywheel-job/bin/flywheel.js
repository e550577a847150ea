#!/usr/bin/env node
"use strict";
// Runs the compiled CLI (dist/, as in the image) unless a TypeScript source is newer than it, in
// which case it runs the sources through ts-node (a root devDependency), transpiled by swc: so
// `npx flywheel` works straight after `npm ci` and never runs a stale build during development.
const { existsSync, readdirSync, statSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");
const compiled = join(root, "dist", "cli.js");
const sources = join(root, "src");

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const useCompiled = existsSync(compiled) && (!existsSync(sources) || statSync(compiled).mtimeMs >= newestSource(sources));
if (useCompiled) {
  require(compiled);
} else {
  require("ts-node").register({ transpileOnly: true, swc: true, project: join(root, "tsconfig.build.json") });
  require(join(sources, "cli.ts"));
}
