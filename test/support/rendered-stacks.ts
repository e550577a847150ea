import * as fs from "node:fs";
import * as path from "node:path";
import { renderSource, renderStack, type RenderedStack } from "../../render/render-stack";
import type { ConfigSource } from "../../stacks/config/source";
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
  return loadedRender(stack, () => renderStack(stack));
}

/**
 * A stack configuration no shipped stack has, rendered once per `jest` run under `name` and shared
 * by every suite that asks for the same name, in any worker, as `renderedStack` shares a shipped
 * one. Every caller of one name must pass the same configuration.
 */
export function renderedVariant(name: string, source: () => ConfigSource): Promise<RenderedStack> {
  return loadedRender(`variant-${name}`, () => renderSource(source()));
}

function loadedRender(key: string, render: () => Promise<RenderedStack>): Promise<RenderedStack> {
  let rendered = loaded.get(key);
  if (!rendered) {
    rendered = cachedRender(key, render).then((dir) => JSON.parse(fs.readFileSync(`${dir}.json`, "utf8")) as RenderedStack);
    loaded.set(key, rendered);
  }
  return rendered;
}

/**
 * The same render laid out as `npm run render` writes `dist/<stack>/` (`resources.json`,
 * `outputs.json`, `manifests/`), for suites that review files. Shared: never write into it.
 */
export function renderedDirectory(stack: string): Promise<string> {
  return cachedRender(stack, () => renderStack(stack));
}

async function cachedRender(key: string, render: () => Promise<RenderedStack>): Promise<string> {
  const cache = process.env[renderCacheVariable];
  if (!cache) {
    throw new Error(`${renderCacheVariable} is not set: run the tests with jest from the repository root (jest.config.js sets up the render cache)`);
  }
  const dir = path.join(cache, key);
  const lock = `${dir}.lock`;
  const failure = `${dir}.error`;
  if (takeLock(lock)) {
    try {
      const rendered = await render();
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
      throw new Error(`rendering ${key} failed in another test suite:\n${fs.readFileSync(failure, "utf8")}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`waited ${waitLimitMs / 1000} s for another test suite to render ${key}; its worker may have died (remove ${lock} to retry)`);
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
