import * as fs from "node:fs";
import * as path from "node:path";
import { renderStack, type RenderedStack } from "../../render/render-stack";
import { writeRendered } from "../../render/write";
import { renderCacheVariable } from "./render-cache.global-setup";

/** How long a suite waits for another worker's render of the same stack. */
const waitLimitMs = 180_000;
const pollMs = 50;

const loaded = new Map<string, Promise<RenderedStack>>();

/**
 * A shipped stack rendered as `npm run render` renders it, once per `jest` run: the first suite
 * that asks renders it (a render takes seconds of CPU); every other suite, in any worker, reads the
 * same render. Treat it as read-only: copy before changing.
 */
export function renderedStack(stack: string): Promise<RenderedStack> {
  let rendered = loaded.get(stack);
  if (!rendered) {
    rendered = renderedDirectory(stack).then((dir) => JSON.parse(fs.readFileSync(`${dir}.json`, "utf8")) as RenderedStack);
    loaded.set(stack, rendered);
  }
  return rendered;
}

/**
 * The same render laid out as `npm run render` writes `dist/<stack>/` (`resources.json`,
 * `outputs.json`, `manifests/`), for suites that review files. Shared: never write into it.
 */
export async function renderedDirectory(stack: string): Promise<string> {
  const cache = process.env[renderCacheVariable];
  if (!cache) {
    throw new Error(`${renderCacheVariable} is not set: run the tests with jest from the repository root (jest.config.js sets up the render cache)`);
  }
  const dir = path.join(cache, stack);
  const lock = `${dir}.lock`;
  const failure = `${dir}.error`;
  if (takeLock(lock)) {
    try {
      const rendered = await renderStack(stack);
      writeRendered(rendered, `${dir}.partial`);
      fs.writeFileSync(`${dir}.partial.json`, JSON.stringify(rendered));
      // The JSON appears last: its presence means the directory is complete.
      fs.renameSync(`${dir}.partial`, dir);
      fs.renameSync(`${dir}.partial.json`, `${dir}.json`);
    } catch (error) {
      fs.writeFileSync(failure, (error as Error).stack ?? String(error));
      throw error;
    }
    return dir;
  }
  const deadline = Date.now() + waitLimitMs;
  while (!fs.existsSync(`${dir}.json`)) {
    if (fs.existsSync(failure)) {
      throw new Error(`rendering stack ${stack} failed in another test suite:\n${fs.readFileSync(failure, "utf8")}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`waited ${waitLimitMs / 1000} s for another test suite to render stack ${stack}; its worker may have died (remove ${lock} to retry)`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return dir;
}

/** Creates the lock directory; false when another suite already holds it (mkdir is atomic). */
function takeLock(lock: string): boolean {
  try {
    fs.mkdirSync(lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      return false;
    }
    throw error;
  }
}
