/**
 * The README's screenshot of the review UI (`npm run screenshot:ui` from the root): seeds the demo
 * records the browser suite walks through (test/support/review-ui-records.ts) into a fresh state
 * directory, serves them with `flywheel serve --state-dir` in this process, logs in through the form
 * in Debian's Chromium (playwright-core, as the browser suite starts it) and writes the recorded
 * tool-calling run's page, 1280 px wide, from its top down to its first chart, to
 * docs/images/review-ui-run.png. Needs `chromium` on PATH (`apt-get install -y chromium`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ShutdownRequests } from "../src/cli/command";
import { main } from "../src/cli/main";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { RunStore } from "../src/store/run-store";
import { launchChromium, viewports } from "../test/support/browser";
import { seedReviewUiDemo } from "../test/support/review-ui-records";

/** Where the README takes the screenshot from. */
const screenshotPath = join(__dirname, "..", "..", "docs", "images", "review-ui-run.png");
/** Space kept below the first chart's legend. */
const marginPx = 16;
const token = "screenshot-read-token";
/** How long the service may take to say it listens. */
const listenTimeoutMs = 30_000;

/** `flywheel serve` over `stateDirectory` in this process; answers its URL and how to stop it. */
async function serve(stateDirectory: string, work: string): Promise<{ readonly url: string; readonly stop: () => Promise<number> }> {
  const tokenFile = join(work, "read-token");
  writeFileSync(tokenFile, `${token}\n`);
  const controller = new AbortController();
  const shutdown: ShutdownRequests = { signal: controller.signal, handleGracefully: () => undefined };
  let stderr = "";
  let listening: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (listening = resolve));
  const exited = main(["serve", "--state-dir", stateDirectory, "--port", "0", "--read-token-file", tokenFile], {
    stdout: { write: () => true },
    stderr: {
      write: (text: string) => {
        stderr += text;
        const port = /flywheel API listening on http:\/\/\S+:(\d+)[ ,]/.exec(stderr)?.[1];
        if (port !== undefined) {
          listening(`http://127.0.0.1:${port}`);
        }
        return true;
      },
    },
    env: { HOME: work },
    cwd: work,
    shutdown,
  });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`flywheel serve did not listen within ${listenTimeoutMs / 1000} s: ${stderr}`)), listenTimeoutMs).unref());
  const failed = exited.then((code) => Promise.reject(new Error(`flywheel serve exited with ${code}: ${stderr}`)));
  const stop = (): Promise<number> => {
    controller.abort("SIGTERM");
    return exited;
  };
  return { url: await Promise.race([url, failed, timeout]), stop };
}

async function screenshot(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "flywheel-ui-screenshot-"));
  const stateDirectory = join(work, "state");
  const store = new RunStore(new JsonFileRecordStore(stateDirectory));
  const demo = await seedReviewUiDemo(store);
  await store.close();
  const service = await serve(stateDirectory, work);
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: viewports.desktop })).newPage();
    await page.goto(`${service.url}/login`);
    await page.getByLabel("API token (read-only or operator)").fill(token);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${service.url}/`);
    await page.goto(`${service.url}/runs/${demo.toolCallingRun.id}`);
    // From the top of the page down to the first chart's legend: the summary, the report, a chart.
    const legend = await page.locator('svg[role="img"] ~ ul.legend').first().boundingBox();
    if (legend === null) {
      throw new Error("the run's page shows no chart with a legend");
    }
    mkdirSync(dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true, clip: { x: 0, y: 0, width: viewports.desktop.width, height: Math.ceil(legend.y + legend.height + marginPx) } });
    process.stdout.write(`wrote ${screenshotPath}\n`);
  } finally {
    await browser.close();
    await service.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

screenshot().catch((error: unknown) => {
  process.stderr.write(`screenshot:ui failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
