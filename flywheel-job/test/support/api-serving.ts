import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ShutdownRequests } from "../../src/cli/command";
import { main } from "../../src/cli/main";
import { eventually } from "./eventually";
import { temporaryDirectory } from "./logs";
import { ServedOpenApi } from "./served-openapi";

export const readToken = "read-token-for-the-api-tests";
export const operatorToken = "operator-token-for-the-api-tests";

/** `--read-token-file` and `--operator-token-file` of the two tokens, written to `directory`. */
export function tokenFileArgs(directory = temporaryDirectory()): string[] {
  const read = join(directory, "read-token");
  const operator = join(directory, "operator-token");
  writeFileSync(read, `${readToken}\n`);
  writeFileSync(operator, `${operatorToken}\n`);
  return ["--read-token-file", read, "--operator-token-file", operator];
}

export interface Answered {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

/** `flywheel serve` started through the CLI, on a free loopback port, with a client that checks every answer against the served document. */
export class ApiServing {
  private constructor(
    readonly url: string,
    readonly stderr: () => string,
    private readonly abort: () => void,
    private readonly exited: Promise<number>,
    private openApi: ServedOpenApi | undefined,
  ) {}

  static async start(argv: readonly string[], env: Record<string, string> = {}): Promise<ApiServing> {
    let stderr = "";
    const controller = new AbortController();
    const shutdown: ShutdownRequests = { signal: controller.signal, handleGracefully: () => undefined };
    const exited = main(["serve", "--port", "0", ...argv], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      // A home of its own: a kubeconfig of the machine's user never reaches the tests.
      env: { HOME: temporaryDirectory(), ...env },
      cwd: temporaryDirectory(),
      shutdown,
    });
    const listening = (): string | undefined => /flywheel API listening on http:\/\/\S+:(\d+)[ ,]/.exec(stderr)?.[1];
    await Promise.race([eventually(() => listening() !== undefined, "the API to listen"), exited.then((code) => Promise.reject(new Error(`serve exited with ${code}: ${stderr}`)))]);
    const serving = new ApiServing(`http://127.0.0.1:${listening() ?? ""}`, () => stderr, () => controller.abort("SIGTERM"), exited, undefined);
    const document = await fetch(`${serving.url}/api/openapi.json`, { headers: { authorization: `Bearer ${readToken}` } });
    serving.openApi = new ServedOpenApi((await document.json()) as Record<string, unknown>);
    return serving;
  }

  /** Sends SIGTERM's abort and answers the exit code. */
  stop(): Promise<number> {
    this.abort();
    return this.exited;
  }

  /** A request; a JSON answer that the served document does not describe fails the test. */
  async call(method: string, path: string, options: { readonly token?: string; readonly authorization?: string; readonly json?: unknown; readonly body?: string } = {}): Promise<Answered> {
    const authorization = options.authorization ?? (options.token === undefined ? undefined : `Bearer ${options.token}`);
    const body = options.body ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { ...(authorization === undefined ? {} : { authorization }), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body,
    });
    const text = await response.text();
    const isJson = (response.headers.get("content-type") ?? "").startsWith("application/json");
    const parsed: unknown = isJson ? JSON.parse(text) : text;
    if (isJson) {
      const problem = this.openApi?.problem(method, new URL(path, this.url).pathname, response.status, parsed);
      if (problem !== undefined) {
        throw new Error(`an answer the served OpenAPI document does not describe: ${problem}\n${text.slice(0, 2000)}`);
      }
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }
}
