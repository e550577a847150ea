import { createReadStream, statSync } from "node:fs";
import { TransientError, UsageError, messageOf } from "../errors";
import { RetryableFailure, type RetryPolicy, retrying } from "../http/retry";
import { httpRequest } from "./http-request";
import { type AwsCredentials, sha256Hex, signRequest } from "./sigv4";
import { createHash } from "node:crypto";

/** S3's limit for one PutObject; a larger archive needs a multipart upload, which this does not do. */
export const singlePutLimitBytes = 5 * 1024 ** 3;

export interface UploadRequest {
  readonly bucket: string;
  readonly key: string;
  readonly file: string;
  readonly region: string;
  /** An S3-compatible endpoint (path-style addressing), instead of AWS's regional one. */
  readonly endpoint?: string;
}

export interface UploadSettings {
  readonly retry: RetryPolicy;
  /** The socket may be idle at most this long. */
  readonly idleTimeoutMs: number;
  readonly now: () => Date;
}

/** The hex SHA-256 of a file, read as a stream: the archive may be larger than memory. */
async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}

/** Each segment of an object key URI-encoded as SigV4 requires (unreserved characters kept, slashes kept). */
function encodeKey(key: string): string {
  return key
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}

/** The object's URL: virtual-hosted on AWS, path-style on an S3-compatible endpoint. */
function objectUrl(request: UploadRequest): URL {
  if (request.endpoint !== undefined) {
    const base = new URL(request.endpoint);
    return new URL(`${base.pathname.replace(/\/$/, "")}/${request.bucket}/${encodeKey(request.key)}`, base);
  }
  return new URL(`https://${request.bucket}.s3.${request.region}.amazonaws.com/${encodeKey(request.key)}`);
}

/**
 * Uploads `request.file` to s3://bucket/key with one signed PutObject, its SHA-256 signed so S3
 * rejects a body that changed on the way. A 5xx, a 429 or a connection failure is retried per
 * `settings.retry`, then fails as transient (exit 75); a refusal (403, 404, …) fails at once as a
 * usage error (exit 2). Every message names the bucket and key and S3's error code only: S3's error
 * body can echo the access key id and the string it expected signed, so it is never printed.
 */
export async function uploadFile(request: UploadRequest, credentials: AwsCredentials, settings: UploadSettings, signal: AbortSignal): Promise<number> {
  const target = `s3://${request.bucket}/${request.key}`;
  let size: number;
  try {
    const stat = statSync(request.file);
    if (!stat.isFile()) {
      throw new Error("not a regular file");
    }
    size = stat.size;
  } catch (error) {
    throw new UsageError(`cannot upload ${request.file} to ${target}: ${messageOf(error)}`);
  }
  if (size > singlePutLimitBytes) {
    throw new UsageError(`cannot upload ${request.file} to ${target}: ${size} bytes is more than one PutObject takes (5 GiB)`);
  }
  const payloadSha256 = size === 0 ? sha256Hex("") : await fileSha256(request.file);
  const url = objectUrl(request);
  const what = `uploading ${request.file} to ${target}`;
  await retrying(
    settings.retry,
    signal,
    what,
    async () => {
      const headers = signRequest(
        { method: "PUT", path: url.pathname, headers: { host: url.host, "content-length": String(size), "content-type": "application/octet-stream" }, payloadSha256 },
        credentials,
        request.region,
        "s3",
        settings.now(),
      );
      let response;
      try {
        response = await httpRequest(url, { method: "PUT", headers, body: createReadStream(request.file), timeoutMs: settings.idleTimeoutMs });
      } catch (error) {
        throw new RetryableFailure(messageOf(error));
      }
      if (response.status >= 200 && response.status < 300) {
        return;
      }
      const code = /<Code>([^<]*)<\/Code>/.exec(response.body)?.[1] ?? "no error code";
      const failure = `S3 answered HTTP ${response.status} (${code})`;
      if (response.status >= 500 || response.status === 429) {
        throw new RetryableFailure(failure);
      }
      throw new UsageError(`${what} failed: ${failure}`);
    },
    (last, attempts) => new TransientError(`${what} failed after ${attempts} attempts: ${last.message}`),
  );
  return size;
}
