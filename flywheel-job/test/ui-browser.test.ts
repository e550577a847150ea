import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { chromium, describeWithProgram } from "../../test/support/needs-program";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { RunStore } from "../src/store/run-store";
import { ApiServing, readToken, tokenFileArgs } from "./support/api-serving";
import { axeViolations, type FocusStop, launchChromium, screenshotDirectory, tabThrough, viewports } from "./support/browser";
import { temporaryDirectory } from "./support/logs";
import { demoPair, genericPair, hostileBidiCharacters, hostileText, type ReviewUiDemo, seedReviewUiDemo } from "./support/review-ui-records";

/**
 * The review UI in a real browser (Debian's Chromium through playwright-core): a reviewer's walk from
 * the runs list through a recorded tool-calling run, its chart and its side-by-side samples, a generic
 * workload's run and a workload page. Each page is walked with the keyboard, checked with axe-core,
 * and photographed at a laptop's and a phone's width; hostile text in the records must stay text.
 */
describeWithProgram(chromium, "the review UI in Chromium", () => {
  const stateDirectory = temporaryDirectory();
  const store = new RunStore(new JsonFileRecordStore(stateDirectory));
  const screenshots = screenshotDirectory();
  let demo: ReviewUiDemo;
  let api: ApiServing;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Dialogs any page opened: a script from a record that ran would open one. */
  const dialogs: string[] = [];

  beforeAll(async () => {
    demo = await seedReviewUiDemo(store);
    api = await ApiServing.start(["--state-dir", stateDirectory, ...tokenFileArgs()]);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: viewports.desktop });
    page = await context.newPage();
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    process.stdout.write(`review UI screenshots: ${screenshots}\n`);
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await store.close();
  });

  /** Logs in through the form as a person does: type the read token, press the button. */
  async function logIn(on: Page): Promise<void> {
    await on.goto(`${api.url}/`);
    expect(new URL(on.url()).pathname).toBe("/login");
    await on.getByLabel("API token (read-only or operator)").fill(readToken);
    await on.getByRole("button", { name: "Log in" }).click();
    await on.waitForURL(`${api.url}/`);
    await expect(on.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Runs");
  }

  /**
   * What every page must hold to: every element the keyboard reaches has a name, axe-core finds no
   * WCAG 2 A/AA violation, no record's text ran or became a javascript: link, and no bidi control
   * reached the page unmarked. Screenshots at both widths go to the test output.
   */
  async function checkPage(name: string): Promise<readonly FocusStop[]> {
    const stops = await tabThrough(page);
    expect(stops.length).toBeGreaterThan(0);
    expect(stops.filter((stop) => stop.name === "")).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
    const shown = await page.locator("body").innerText();
    expect(hostileBidiCharacters.filter((character) => shown.includes(character))).toEqual([]);
    expect(dialogs).toEqual([]);
    for (const [width, viewport] of Object.entries(viewports)) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: join(screenshots, `${name}-${width}-${viewport.width}px.png`), fullPage: true });
    }
    await page.setViewportSize(viewports.desktop);
    return stops;
  }

  /** The page's charts: each an SVG image with a name assistive technology reads. */
  async function chartNames(): Promise<string[]> {
    const charts = page.locator('svg[role="img"]');
    return Promise.all((await charts.all()).map(async (chart) => (await chart.getAttribute("aria-label")) ?? ""));
  }

  it("logs in through the form and lists the runs, each reachable by keyboard", async () => {
    await logIn(page);
    for (const run of [...demo.pairRuns, demo.genericRun]) {
      await expect(page.locator(`a[href="/runs/${run.id}"]`).count()).resolves.toBe(1);
    }
    const stops = await checkPage("runs");
    expect(stops.map((stop) => stop.name)).toEqual(expect.arrayContaining(["Log out", demo.toolCallingRun.id]));
  });

  it("shows the recorded tool-calling run with its report and a named chart per metric", async () => {
    await page.locator(`a[href="/runs/${demo.toolCallingRun.id}"]`).click();
    await page.waitForURL(`${api.url}/runs/${demo.toolCallingRun.id}`);
    const names = await chartNames();
    expect(names.length).toBeGreaterThanOrEqual(1);
    expect(names.filter((label) => label.trim() === "")).toEqual([]);
    await expect(page.getByText("meta/llama-3.2-3b-instruct").first().isVisible()).resolves.toBe(true);
    await checkPage("run-tool-calling");
  });

  it("shows its samples side by side, hostile text as text", async () => {
    await page.getByRole("link", { name: "Side by side with production" }).click();
    await page.waitForURL(`${api.url}/runs/${demo.toolCallingRun.id}/samples`);
    const shown = await page.locator("body").innerText();
    expect(shown).toContain(hostileText.script);
    expect(shown).toContain(hostileText.link);
    expect(shown).toContain("⟨U+202E⟩");
    expect(shown).toContain("⟨U+2066⟩");
    await expect(page.getByRole("link", { name: "open the booking" }).count()).resolves.toBe(0);
    await expect(page.locator("main script").count()).resolves.toBe(0);
    await checkPage("samples");
  });

  it("shows a generic workload's run with its similarity chart", async () => {
    await page.goto(`${api.url}/?workload_id=${genericPair.workloadId}`);
    await page.locator(`a[href="/runs/${demo.genericRun.id}"]`).click();
    await page.waitForURL(`${api.url}/runs/${demo.genericRun.id}`);
    expect((await chartNames()).length).toBeGreaterThanOrEqual(1);
    await expect(page.getByText("similarity").first().isVisible()).resolves.toBe(true);
    await checkPage("run-generic");
  });

  it("shows a workload page with its candidates' scores over the pair's runs", async () => {
    await page.goto(`${api.url}/runs/${demo.toolCallingRun.id}`);
    await page.getByRole("link", { name: demoPair.workloadId, exact: true }).first().click();
    await page.waitForURL(`${api.url}/workloads/${demoPair.workloadId}/${demoPair.clientId}`);
    expect((await chartNames()).length).toBeGreaterThanOrEqual(1);
    await expect(page.locator("body").innerText()).resolves.toContain(`The latest ${demo.pairRuns.length} runs`);
    await checkPage("workload");
  });

  it("works with JavaScript off: the login form, the runs list and a run's page", async () => {
    const withoutScripts = await browser.newContext({ viewport: viewports.desktop, javaScriptEnabled: false });
    try {
      const plain = await withoutScripts.newPage();
      await logIn(plain);
      await plain.locator(`a[href="/runs/${demo.toolCallingRun.id}"]`).click();
      await plain.waitForURL(`${api.url}/runs/${demo.toolCallingRun.id}`);
      await expect(plain.locator('svg[role="img"]').count()).resolves.toBeGreaterThanOrEqual(1);
      await plain.getByRole("button", { name: "Log out" }).click();
      await plain.waitForURL(`${api.url}/login`);
    } finally {
      await withoutScripts.close();
    }
  });
});
