import { createReadStream, statSync } from "node:fs";
import { TransientError, UsageError, messageOf } from "../errors";
import { RetryableFailure, type RetryPolicy, retrying } from "../http/retry";
import { type TextResponse, httpRequest } from "./http-request";
import { type AwsCredentials, sha256Hex, signRequest } from "./sigv4";
import { createHash } from "node:crypto";

/** S3's limit for one PutObject; a larger archive goes up in parts. */
export const singlePutLimitBytes = 5 * 1024 ** 3;

/** S3's limit on the parts of one multipart upload. */
export const maxParts = 10_000;

/** When an archive goes up in parts, and how large each part is. */
export interface MultipartSettings {
  /**
   * Archives larger than this go up as a multipart upload; at most {@link singlePutLimitBytes}.
   * @default 64 MiB
   */
  readonly thresholdBytes: number;
  /**
   * The size of every part but the last; S3 takes 5 MiB to 5 GiB. With 10,000 parts of 64 MiB the
   * largest archive is 625 GiB.
   * @default 64 MiB
   */
  readonly partSizeBytes: number;
}

export const defaultMultipart: MultipartSettings = { thresholdBytes: 64 * 1024 ** 2, partSizeBytes: 64 * 1024 ** 2 };

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
  /** @default {@link defaultMultipart} */
  readonly multipart?: MultipartSettings;
}

/** A byte range of the archive: a part, or the whole file. */
interface Range {
  readonly start: number;
  readonly length: number;
}

function rangeStream(path: string, range: Range): ReturnType<typeof createReadStream> {
  return createReadStream(path, { start: range.start, end: range.start + range.length - 1 });
}

/** The hex SHA-256 of a range of a file, read as a stream: the archive may be larger than memory. */
async function fileSha256(path: string, range: Range): Promise<string> {
  if (range.length === 0) {
    return sha256Hex("");
  }
  const hash = createHash("sha256");
  for await (const chunk of rangeStream(path, range)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}

/** `text` URI-encoded as SigV4 requires: every character but the unreserved ones. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Each segment of an object key URI-encoded as SigV4 requires (slashes kept). */
function encodeKey(key: string): string {
  return key.split("/").map(uriEncode).join("/");
}

/** The object's URL: virtual-hosted on AWS, path-style on an S3-compatible endpoint. */
function objectUrl(request: UploadRequest): URL {
  if (request.endpoint !== undefined) {
    const base = new URL(request.endpoint);
    return new URL(`${base.pathname.replace(/\/$/, "")}/${request.bucket}/${encodeKey(request.key)}`, base);
  }
  return new URL(`https://${request.bucket}.s3.${request.region}.amazonaws.com/${encodeKey(request.key)}`);
}

/** One signed S3 request and how to name it in a message. */
interface S3Call {
  readonly method: string;
  readonly url: URL;
  /** The canonical query string, also appended to the URL. */
  readonly query: string;
  readonly body?: { readonly sha256: string; readonly length: number; readonly open: () => Buffer | ReturnType<typeof createReadStream> };
  readonly what: string;
}

/** The longest UploadId and ETag accepted from S3; real ones are far shorter. */
const maxTokenLength = 1024;

/** S3's error code from an (already bounded) error body: a name, never the echoed request. */
function errorCode(body: string): string {
  return /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(body)?.[1] ?? "no error code";
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * Sends `call` with `settings.retry`: a 5xx, a 429 or a connection failure is retried, then fails as
 * transient (exit 75); a refusal (403, 404, …) fails at once as a usage error (exit 2). Returns the
 * answer of a 2xx. S3 may answer CompleteMultipartUpload 200 with an error in the body; `accept`
 * sees every 2xx answer and returns a RetryableFailure or UsageError to refuse it.
 */
async function send(
  call: S3Call,
  credentials: AwsCredentials,
  region: string,
  settings: UploadSettings,
  signal: AbortSignal,
  accept: (response: TextResponse) => Error | undefined = () => undefined,
): Promise<TextResponse> {
  return retrying(
    settings.retry,
    signal,
    call.what,
    async () => {
      const body = call.body ?? { sha256: sha256Hex(""), length: 0, open: () => Buffer.alloc(0) };
      const headers = signRequest(
        { method: call.method, path: call.url.pathname, query: call.query, headers: { host: call.url.host, "content-length": String(body.length), "content-type": "application/octet-stream" }, payloadSha256: body.sha256 },
        credentials,
        region,
        "s3",
        settings.now(),
      );
      let response: TextResponse;
      try {
        response = await httpRequest(call.url, { method: call.method, headers, body: body.open(), timeoutMs: settings.idleTimeoutMs, signal });
      } catch (error) {
        throw new RetryableFailure(messageOf(error));
      }
      if (response.status >= 200 && response.status < 300) {
        const refusal = accept(response);
        if (refusal !== undefined) {
          throw refusal;
        }
        return response;
      }
      const failure = `S3 answered HTTP ${response.status} (${errorCode(response.body)})`;
      if (response.status >= 500 || response.status === 429) {
        throw new RetryableFailure(failure);
      }
      throw new UsageError(`${call.what} failed: ${failure}`);
    },
    (last, attempts) => new TransientError(`${call.what} failed after ${attempts} attempts: ${last.message}`),
  );
}

/** `url` with the canonical query string `query` as its search. */
function withQuery(url: URL, query: string): URL {
  const copy = new URL(url);
  copy.search = query;
  return copy;
}

/** The error to throw once the upload was aborted (or aborting it failed, which the message says). */
function afterAbort(error: unknown, abortFailure: string | undefined): unknown {
  if (abortFailure === undefined) {
    return error;
  }
  const suffix = `; aborting the multipart upload failed too (${abortFailure}): the bucket's lifecycle rule removes its parts after a day`;
  if (error instanceof UsageError) {
    return new UsageError(`${error.message}${suffix}`);
  }
  return new TransientError(`${messageOf(error)}${suffix}`);
}

/**
 * Uploads the archive in parts of `multipart.partSizeBytes`, each streamed from the file and signed
 * with its SHA-256, then completes the upload with the parts' ETags. On any failure or cancellation
 * after CreateMultipartUpload it sends AbortMultipartUpload, so no stored part is left billed.
 */
async function uploadInParts(request: UploadRequest, size: number, multipart: MultipartSettings, credentials: AwsCredentials, settings: UploadSettings, signal: AbortSignal): Promise<void> {
  const target = `s3://${request.bucket}/${request.key}`;
  const url = objectUrl(request);
  const create = await send({ method: "POST", url: withQuery(url, "uploads="), query: "uploads=", what: `starting a multipart upload of ${request.file} to ${target}` }, credentials, request.region, settings, signal);
  const uploadId = new RegExp(`<UploadId>([^<&]{1,${maxTokenLength}})</UploadId>`).exec(create.body)?.[1];
  if (uploadId === undefined) {
    throw new TransientError(`starting a multipart upload of ${request.file} to ${target} failed: S3's answer (read up to its first 64 KiB) holds no UploadId`);
  }
  const idQuery = `uploadId=${uriEncode(uploadId)}`;
  try {
    const etags: string[] = [];
    const partCount = Math.ceil(size / multipart.partSizeBytes);
    for (let part = 1; part <= partCount; part++) {
      signal.throwIfAborted();
      const start = (part - 1) * multipart.partSizeBytes;
      const range = { start, length: Math.min(multipart.partSizeBytes, size - start) };
      const query = `partNumber=${part}&${idQuery}`;
      const what = `uploading part ${part} of ${partCount} of ${request.file} to ${target}`;
      const answer = await send(
        { method: "PUT", url: withQuery(url, query), query, body: { sha256: await fileSha256(request.file, range), length: range.length, open: () => rangeStream(request.file, range) }, what },
        credentials,
        request.region,
        settings,
        signal,
        (response) => (typeof response.headers.etag === "string" && response.headers.etag.length > 0 && response.headers.etag.length <= maxTokenLength ? undefined : new TransientError(`${what} failed: S3's answer has no usable ETag`)),
      );
      etags.push(answer.headers.etag as string);
    }
    signal.throwIfAborted();
    const document = `<CompleteMultipartUpload>${etags.map((etag, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>${xmlEscape(etag)}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    const body = Buffer.from(document);
    const what = `completing the multipart upload of ${request.file} to ${target}`;
    await send({ method: "POST", url: withQuery(url, idQuery), query: idQuery, body: { sha256: sha256Hex(body), length: body.length, open: () => body }, what }, credentials, request.region, settings, signal, (response) =>
      /<Error>/.test(response.body) ? new RetryableFailure(`S3 answered HTTP ${response.status} with an error (${errorCode(response.body)})`) : undefined,
    );
  } catch (error) {
    let abortFailure: string | undefined;
    try {
      // Not `signal`: a cancelled upload must still be aborted; one attempt, the lifecycle rule is the backstop.
      await send({ method: "DELETE", url: withQuery(url, idQuery), query: idQuery, what: `aborting the multipart upload of ${request.file} to ${target}` }, credentials, request.region, { ...settings, retry: { ...settings.retry, retries: 0 } }, new AbortController().signal);
    } catch (failure) {
      abortFailure = messageOf(failure);
    }
    throw afterAbort(error, abortFailure);
  }
}

/**
 * Uploads `request.file` to s3://bucket/key: with one signed PutObject up to
 * `settings.multipart.thresholdBytes`, as a multipart upload above it. Every body's SHA-256 is
 * signed so S3 rejects one that changed on the way. A 5xx, a 429 or a connection failure is retried
 * per `settings.retry`, then fails as transient (exit 75); a refusal (403, 404, …) fails at once as
 * a usage error (exit 2). Every message names the bucket and key and S3's error code only: S3's error
 * body can echo the access key id and the string it expected signed, so it is never printed.
 */
export async function uploadFile(request: UploadRequest, credentials: AwsCredentials, settings: UploadSettings, signal: AbortSignal): Promise<number> {
  const target = `s3://${request.bucket}/${request.key}`;
  const multipart = settings.multipart ?? defaultMultipart;
  if (multipart.thresholdBytes > singlePutLimitBytes || multipart.partSizeBytes <= 0 || multipart.partSizeBytes > singlePutLimitBytes) {
    throw new UsageError(`multipart settings: thresholdBytes must be at most 5 GiB and partSizeBytes between 1 byte and 5 GiB, got ${multipart.thresholdBytes} and ${multipart.partSizeBytes}`);
  }
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
  if (size > multipart.thresholdBytes) {
    if (Math.ceil(size / multipart.partSizeBytes) > maxParts) {
      throw new UsageError(`cannot upload ${request.file} to ${target}: ${size} bytes is more than ${maxParts} parts of ${multipart.partSizeBytes} bytes (${maxParts * multipart.partSizeBytes} bytes)`);
    }
    await uploadInParts(request, size, multipart, credentials, settings, signal);
    return size;
  }
  const whole = { start: 0, length: size };
  const sha256 = await fileSha256(request.file, whole);
  await send(
    { method: "PUT", url: objectUrl(request), query: "", body: { sha256, length: size, open: () => (size === 0 ? Buffer.alloc(0) : rangeStream(request.file, whole)) }, what: `uploading ${request.file} to ${target}` },
    credentials,
    request.region,
    settings,
    signal,
  );
  return size;
}
