import { asRecord, stringField } from "../json-fields";
import type { ServiceClient } from "./service-client";
import { ServiceRequestError } from "./service-client";

/** An OpenAI-compatible chat model: where it is and its model id there. */
export interface ModelEndpoint {
  /** Full chat-completions URL. */
  readonly url: string;
  readonly modelId: string;
  readonly apiKey?: string;
}

/**
 * The OpenAI-compatible endpoints a run calls directly: a candidate NIM's model list, the judge
 * (checked once before GPUs are spent) and the embedding model of semantic ICL.
 */
export class ModelEndpoints {
  constructor(private readonly http: ServiceClient) {}

  /** The model ids a NIM serves: its base model and every LoRA adapter it has loaded. */
  async servedModels(baseUrl: string, signal: AbortSignal): Promise<string[]> {
    const response = await this.http.call({ service: "NIM", action: "list the served models", method: "GET", url: `${baseUrl}/v1/models`, signal });
    const data = asRecord(response.body)?.data;
    return Array.isArray(data) ? data.flatMap((entry) => stringField(asRecord(entry)?.id) ?? []) : [];
  }

  /** Asks the judge for a one-word answer: a wrong URL, model or key fails the run before any GPU is held. */
  async checkChatModel(endpoint: ModelEndpoint, role: string, signal: AbortSignal): Promise<void> {
    const response = await this.http.call({
      service: role,
      action: `answer a test question as ${endpoint.modelId}`,
      method: "POST",
      url: endpoint.url,
      json: { model: endpoint.modelId, messages: [{ role: "user", content: "Reply with the number 1." }], max_tokens: 8 },
      headers: authorization(endpoint.apiKey),
      signal,
    });
    const choices = asRecord(response.body)?.choices;
    if (!Array.isArray(choices) || choices.length === 0) {
      throw new ServiceRequestError(`${role}: ${endpoint.url} answered without choices; is it a chat-completions endpoint?`, response.status, response.excerpt);
    }
  }

  /**
   * Embeds texts in batches. Both sides of semantic ICL are user questions, so every text is a
   * `query` for the asymmetric NVIDIA retrieval models; long texts are truncated at the end rather
   * than refused.
   */
  async embed(endpoint: ModelEndpoint & { readonly batchSize: number }, texts: readonly string[], signal: AbortSignal): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += endpoint.batchSize) {
      const batch = texts.slice(start, start + endpoint.batchSize);
      const response = await this.http.call({
        service: "embedding model",
        action: `embed texts ${start + 1}–${start + batch.length} of ${texts.length}`,
        method: "POST",
        url: endpoint.url,
        json: { model: endpoint.modelId, input: batch, input_type: "query", encoding_format: "float", truncate: "END" },
        headers: authorization(endpoint.apiKey),
        signal,
      });
      const data = asRecord(response.body)?.data;
      const embeddings = Array.isArray(data) ? data.map((entry) => asRecord(entry)) : [];
      if (embeddings.length !== batch.length || embeddings.some((e) => !Array.isArray(e?.embedding))) {
        throw new ServiceRequestError(`embedding model: ${endpoint.url} returned ${embeddings.length} embeddings for ${batch.length} texts`, response.status, response.excerpt);
      }
      // `index` orders the answer; fall back to the order it came in.
      const ordered = embeddings.map((e, i) => ({ index: typeof e?.index === "number" ? e.index : i, vector: e?.embedding as number[] })).sort((a, b) => a.index - b.index);
      vectors.push(...ordered.map((e) => e.vector));
    }
    return vectors;
  }
}

function authorization(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}
