import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { integerFlag, requiredFlag, stringFlag } from "../cli/args";
import type { CliContext, Command, ParsedArgs } from "../cli/command";
import { serveUntilStopped } from "../cli/serve-until-stopped";
import { jobEnvironment, loadEnvironment } from "../config/environment";
import { ExitCode, UsageError } from "../errors";
import { describeFileError } from "../file-errors";
import { streamLog } from "../log";
import { JudgeProxy, judgeUpstreamUrl } from "./judge-proxy-server";
import { judgeProxyService } from "./judge-proxy-service";
import { headerTokenPattern, headerTokenProblem } from "../http/header-token";

/** The key as written (a Secret file or variable may end in a newline), or the reason it is not one. Never says the key. */
function checkedKey(raw: string, from: string): string {
  const key = raw.trim();
  if (key === "") {
    throw new UsageError(`the judge API key in ${from} is empty`);
  }
  if (!headerTokenPattern.test(key)) {
    throw new UsageError(`the judge API key in ${from} ${headerTokenProblem}`);
  }
  return key;
}

/**
 * Where the key comes from: `--api-key-file`, read again for every request (a mounted Secret is
 * updated in place when it rotates), or `JUDGE_API_KEY`. Either is checked once here, so a missing or
 * empty key stops the proxy at start instead of failing every evaluation.
 */
async function apiKeySource(args: ParsedArgs, context: CliContext): Promise<() => Promise<string>> {
  const file = stringFlag(args, "api-key-file");
  if (file !== undefined) {
    const path = resolve(context.cwd, file);
    const from = `--api-key-file ${path}`;
    const read = async (): Promise<string> => checkedKey(await readFile(path, "utf8"), from);
    try {
      await read();
    } catch (error) {
      throw error instanceof UsageError ? error : new UsageError(`${from}: ${describeFileError(error)}`);
    }
    return read;
  }
  const fromEnvironment = loadEnvironment(context.env).JUDGE_API_KEY;
  if (fromEnvironment === undefined) {
    throw new UsageError(`no judge API key: pass --api-key-file FILE or set ${jobEnvironment.JUDGE_API_KEY}`);
  }
  const key = checkedKey(fromEnvironment, jobEnvironment.JUDGE_API_KEY);
  return () => Promise.resolve(key);
}

export const judgeProxyCommand: Command = {
  name: "judge-proxy",
  summary: "serve the remote LLM judge inside the cluster, adding its API key, so evaluation jobs carry none",
  usage: "--upstream URL [--api-key-file FILE] [--port N]",
  options: [
    { name: "upstream", value: "URL", description: "the judge's OpenAI-compatible base URL, e.g. https://integrate.api.nvidia.com/v1" },
    { name: "api-key-file", value: "FILE", description: `file with the judge's API key, read for every request (default: the ${jobEnvironment.JUDGE_API_KEY} variable)` },
    { name: "port", value: "N", description: `port to listen on (default: ${judgeProxyService.port})` },
  ],
  async run(args, context) {
    const upstream = judgeUpstreamUrl(requiredFlag(args, "upstream", "the judge's base URL, e.g. https://integrate.api.nvidia.com/v1"));
    if (typeof upstream === "string") {
      throw new UsageError(`--upstream: ${upstream}`);
    }
    const apiKey = await apiKeySource(args, context);
    const port = integerFlag(args, "port", 0, 65535) ?? judgeProxyService.port;
    const log = streamLog(context.stderr);
    await serveUntilStopped(context, log, port, () => JudgeProxy.start({ upstream, apiKey, port, log }), (proxy) => `judge proxy listening on ${proxy.url}: POST ${judgeProxyService.apiBasePath}/chat/completions goes to ${upstream.href}/chat/completions`);
    log.info("judge proxy stopped");
    return ExitCode.ok;
  },
};
