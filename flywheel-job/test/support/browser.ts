import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

/** Where Debian's `chromium` package puts the browser (`.ci/run` installs it). */
export const chromiumExecutable = "/usr/bin/chromium";

/**
 * Flags for a headless Chromium started as root on a machine without internet. Without the
 * background-service flags Chromium tries connections this machine refuses and every start is slow;
 * `--no-sandbox` because the sandbox refuses to run as root.
 */
const chromiumArgs: readonly string[] = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-gpu"];

/**
 * Starts one headless Chromium (about half a second here: 0.2–0.4 s to launch, 0.2–0.3 s to the first
 * page), so a suite starts one and opens a context per scenario. playwright-core gives every launch a
 * fresh profile (`--user-data-dir`) in the OS temp directory and removes it when the browser closes;
 * it refuses a `--user-data-dir` among the args of `launch`.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutable, headless: true, args: [...chromiumArgs] });
}

/** The widths the review UI is checked and photographed at: a laptop and a phone. */
export const viewports = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

/** The directory screenshots of the browser suites go to (`test-output/` is git-ignored), made on first use. */
export function screenshotDirectory(): string {
  const directory = join(__dirname, "..", "..", "..", "test-output", "review-ui");
  mkdirSync(directory, { recursive: true });
  return directory;
}

/** One axe-core finding, as much of it as a failing test needs to say what is wrong and where. */
export interface AxeViolation {
  readonly id: string;
  readonly help: string;
  readonly targets: readonly string[];
}

/** What of axe-core's page global the check calls (the tests compile without the DOM's types). */
interface AxeCore {
  run(context: unknown, options: unknown): Promise<{ readonly violations: readonly { readonly id: string; readonly help: string; readonly nodes: readonly { readonly target: readonly unknown[] }[] }[] }>;
}

/** What of the page's DOM the keyboard walk reads. */
interface PageElement {
  readonly tagName: string;
  readonly parentElement: PageElement | null;
  readonly children: ArrayLike<PageElement>;
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  blur?(): void;
}

interface PageDocument {
  readonly activeElement: PageElement | null;
  readonly body: PageElement;
}

/** The axe-core rule tags the review UI must pass: WCAG 2.x levels A and AA. */
export const axeTags: readonly string[] = ["wcag2a", "wcag2aa"];

/**
 * axe-core's violations of `axeTags` on the page as it is. The pages' Content-Security-Policy allows
 * no script at all (`default-src 'none'`), so a `<script>` tag (`page.addScriptTag`) would be blocked;
 * axe's source is evaluated through the DevTools protocol instead, which the page's CSP does not govern,
 * so the page is checked under its real policy.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(readFileSync(require.resolve("axe-core/axe.min.js"), "utf8"));
  return page.evaluate(async (tags) => {
    const { axe, document } = globalThis as unknown as { readonly axe: AxeCore; readonly document: unknown };
    const results = await axe.run(document, { runOnly: { type: "tag", values: tags } });
    return results.violations.map((violation) => ({ id: violation.id, help: violation.help, targets: violation.nodes.map((node) => node.target.join(" ")) }));
  }, [...axeTags]);
}

/** An element that took the keyboard's focus: what it is and the name assistive technology reads for it. */
export interface FocusStop {
  readonly element: string;
  readonly name: string;
}

/** Most Tab presses a page walk takes: a page with more stops than this is walked this far. */
const maxFocusStops = 400;

/**
 * Presses Tab from the top of the page until the focus comes back round (or leaves the page) and
 * answers every element that took it, with its accessible name as Chromium's accessibility tree has it.
 */
export async function tabThrough(page: Page): Promise<FocusStop[]> {
  const stops: FocusStop[] = [];
  const session = await page.context().newCDPSession(page);
  await page.evaluate(() => (globalThis as unknown as { readonly document: PageDocument }).document.activeElement?.blur?.());
  let first: string | undefined;
  for (let press = 0; press < maxFocusStops; press++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const { document } = globalThis as unknown as { readonly document: PageDocument };
      const element = document.activeElement;
      if (element === null || element === document.body) {
        return undefined;
      }
      const path: string[] = [];
      for (let node: PageElement | null = element; node !== null; node = node.parentElement) {
        path.unshift(`${node.tagName.toLowerCase()}:nth-child(${node.parentElement === null ? 1 : Array.from(node.parentElement.children).indexOf(node) + 1})`);
      }
      const label = element.getAttribute("href") ?? element.getAttribute("name") ?? element.textContent?.trim().slice(0, 40) ?? "";
      return { selector: path.join(" > "), description: `<${element.tagName.toLowerCase()}> ${label}` };
    });
    if (focused === undefined || focused.selector === first) {
      break;
    }
    first ??= focused.selector;
    const { nodes } = (await session.send("Accessibility.getPartialAXTree", { backendNodeId: await backendNodeId(session, focused.selector), fetchRelatives: false })) as { readonly nodes: readonly { readonly name?: { readonly value?: unknown } }[] };
    const name = nodes[0]?.name?.value;
    stops.push({ element: focused.description, name: typeof name === "string" ? name.trim() : "" });
  }
  await session.detach();
  return stops;
}

async function backendNodeId(session: Awaited<ReturnType<ReturnType<Page["context"]>["newCDPSession"]>>, selector: string): Promise<number> {
  const { root } = (await session.send("DOM.getDocument", { depth: 0 })) as { readonly root: { readonly nodeId: number } };
  const { nodeId } = (await session.send("DOM.querySelector", { nodeId: root.nodeId, selector })) as { readonly nodeId: number };
  const { node } = (await session.send("DOM.describeNode", { nodeId })) as { readonly node: { readonly backendNodeId: number } };
  return node.backendNodeId;
}
