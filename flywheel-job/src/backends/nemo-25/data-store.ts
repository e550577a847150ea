import { pathToFileURL } from "node:url";
import type * as HubLibrary from "@huggingface/hub";
import { RetryableFailure, type RetryPolicy, retrying } from "../../http/retry";
import { describeFetchError, type ServiceClient, ServiceRequestError, ServiceUnavailableError } from "../../http/service-client";
import { type DatasetRef, type RepoFile, repoId } from "./dataset-layout";

/**
 * `@huggingface/hub` refuses a token that does not start with `hf_`, and without one it sends
 * "Bearer undefined"; Data Store ignores the token, so any `hf_` placeholder does.
 */
const placeholderToken = "hf_data_store_ignores_this_token";

/**
 * `@huggingface/hub`, loaded at the first dataset call: `flywheel serve` holds a Data Store client
 * for DELETE but must not pay the library's memory unless it deletes a dataset.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- import() would switch to the library's ES build; this keeps the CommonJS one
const loadHub = (): typeof HubLibrary => require("@huggingface/hub") as typeof HubLibrary;

/**
 * Data Store (NeMo 25.x): namespaces through its own API, dataset repos through its Hugging
 * Face–compatible API at `/v1/hf` with `@huggingface/hub`. Data Store speaks the classic HF upload
 * protocol (preupload, git-LFS batch, commit), not the newer Xet storage the library defaults to.
 */
export class DataStoreClient {
  private readonly hubUrl: string;

  constructor(
    private readonly baseUrl: string,
    private readonly http: ServiceClient,
    private readonly retry: RetryPolicy,
    private readonly timeoutMs: number,
  ) {
    this.hubUrl = `${baseUrl}/v1/hf`;
  }

  async ensureNamespace(namespace: string, signal: AbortSignal): Promise<void> {
    // 409 and 422 both mean the namespace exists.
    await this.http.call({
      service: "Data Store",
      action: `create namespace "${namespace}"`,
      method: "POST",
      url: `${this.baseUrl}/v1/datastore/namespaces`,
      form: { namespace },
      accept: [409, 422],
      signal,
    });
  }

  /** Creates the dataset's repo; one that exists is fine. */
  async createDatasetRepo(dataset: DatasetRef, signal: AbortSignal): Promise<void> {
    await this.hub(`create dataset repo ${repoId(dataset)}`, signal, async (fetchWithTimeout, { createRepo, HubApiError }) => {
      try {
        await createRepo({ repo: repoDesignation(dataset), hubUrl: this.hubUrl, accessToken: placeholderToken, fetch: fetchWithTimeout });
      } catch (error) {
        if (!(error instanceof HubApiError && error.statusCode === 409)) {
          throw error;
        }
      }
    });
  }

  async uploadFiles(dataset: DatasetRef, files: readonly RepoFile[], signal: AbortSignal): Promise<void> {
    await this.hub(`upload ${files.map((f) => f.pathInRepo).join(", ")} to ${repoId(dataset)}`, signal, (fetchWithTimeout, { uploadFiles }) =>
      uploadFiles({
        repo: repoDesignation(dataset),
        hubUrl: this.hubUrl,
        accessToken: placeholderToken,
        // Read from disk as the upload goes: datasets are not held in memory.
        files: files.map((file) => ({ path: file.pathInRepo, content: pathToFileURL(file.localPath) })),
        commitTitle: `flywheel: ${files.map((f) => f.pathInRepo).join(", ")}`,
        useXet: false,
        fetch: fetchWithTimeout,
        abortSignal: signal,
      }),
    );
  }

  /** Deletes the repo; false when there was none. */
  async deleteDatasetRepo(dataset: DatasetRef, signal: AbortSignal): Promise<boolean> {
    return this.hub(`delete dataset repo ${repoId(dataset)}`, signal, async (fetchWithTimeout, { deleteRepo, HubApiError }) => {
      try {
        await deleteRepo({ repo: repoDesignation(dataset), hubUrl: this.hubUrl, accessToken: placeholderToken, fetch: fetchWithTimeout });
        return true;
      } catch (error) {
        if (error instanceof HubApiError && error.statusCode === 404) {
          return false;
        }
        throw error;
      }
    });
  }

  /** Runs a `@huggingface/hub` operation with the retry policy and error messages of every other call. */
  private hub<T>(action: string, signal: AbortSignal, operation: (fetchWithTimeout: typeof fetch, library: typeof HubLibrary) => Promise<T>): Promise<T> {
    const library = loadHub();
    const what = `Data Store: ${action} (${this.hubUrl})`;
    const fetchWithTimeout: typeof fetch = (input, init) =>
      // An upload of a large file gets longer than an API call.
      fetch(input, { ...init, signal: AbortSignal.any([signal, AbortSignal.timeout(init?.method === "PUT" ? this.timeoutMs * 10 : this.timeoutMs), ...(init?.signal ? [init.signal] : [])]) });
    return retrying(
      this.retry,
      signal,
      what,
      async () => {
        try {
          return await operation(fetchWithTimeout, library);
        } catch (error) {
          if (signal.aborted) {
            throw signal.reason;
          }
          if (error instanceof library.HubApiError) {
            const detail = `HTTP ${error.statusCode}: ${error.message}`;
            if (error.statusCode === 429 || error.statusCode >= 500) {
              throw new RetryableFailure(detail);
            }
            throw new ServiceRequestError(`${what} was refused: ${detail}`, error.statusCode, error.message);
          }
          // fetch's failures (TypeError, TimeoutError) are read by name: they may come from another realm.
          const name = (error as { name?: unknown } | undefined)?.name;
          if (name === "TypeError" || name === "TimeoutError" || name === "AbortError") {
            throw new RetryableFailure(describeFetchError(error, this.timeoutMs));
          }
          throw error;
        }
      },
      (last, attempts) => new ServiceUnavailableError(`${what} failed ${attempts} times; the last: ${last.message}`),
    );
  }
}

function repoDesignation(dataset: DatasetRef): { type: "dataset"; name: string } {
  return { type: "dataset", name: repoId(dataset) };
}
