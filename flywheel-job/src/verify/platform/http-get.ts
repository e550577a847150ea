import { readBodyWithin } from "../../http/bounded-download";
import { loadUndici } from "../../http/undici";
import type { PlatformCheckContext } from "./platform-check";
import { callSignal, describeFailure } from "./store-call";

/** How much of an answer a check reads: a health or model list is small; more is not read. */
export const answerLimitBytes = 64 * 1024;

/** A GET's end: an answer (its body bounded), or why there was none. */
export type HttpAnswer = { readonly status: number; readonly body: string; readonly truncated: boolean } | { readonly unreachable: string };

/** One GET, bounded by the call timeout and the verification's signal; never rejects. */
export async function httpGet(context: PlatformCheckContext, url: string, bearer?: string): Promise<HttpAnswer> {
  const signal = callSignal(context);
  try {
    // undici's fetch: the Response type the bounded reader takes.
    const response = await loadUndici().fetch(url, { signal, redirect: "manual", headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } });
    const within = await readBodyWithin(response, answerLimitBytes);
    return "body" in within ? { status: response.status, body: within.body.toString("utf8"), truncated: false } : { status: response.status, body: "", truncated: true };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return { unreachable: signal.aborted ? `no answer within ${context.callTimeoutMs} ms` : describeFailure(`${describeFailure(error)}${cause}`) };
  }
}
