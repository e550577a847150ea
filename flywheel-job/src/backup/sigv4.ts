import { createHash, createHmac } from "node:crypto";

/** Temporary or long-lived AWS credentials. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Present for temporary credentials (web identity, a session). */
  readonly sessionToken?: string;
}

/** A request to sign: the headers it will be sent with (lower-case names), `host` included. */
export interface SignableRequest {
  readonly method: string;
  /** The path, already URI-encoded as S3 expects it (each segment encoded, slashes kept). */
  readonly path: string;
  /** The canonical query string: names and values URI-encoded, sorted by name, joined with `&`. */
  readonly query?: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body, also sent as x-amz-content-sha256. */
  readonly payloadSha256: string;
}

/** The hex SHA-256 of `data`. */
export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/**
 * Signs `request` with AWS Signature Version 4 (the header form) for `service` in `region` at
 * `now`, and returns the headers to send: the request's own plus x-amz-date, x-amz-content-sha256,
 * x-amz-security-token (temporary credentials) and Authorization. Written here because the job
 * image carries no AWS SDK; the algorithm is the one AWS documents for every service.
 */
export function signRequest(request: SignableRequest, credentials: AwsCredentials, region: string, service: string, now: Date): Record<string, string> {
  const amzDate = now.toISOString().replace(/[:-]/g, "").replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...request.headers, "x-amz-date": amzDate, "x-amz-content-sha256": request.payloadSha256 };
  if (credentials.sessionToken !== undefined) {
    headers["x-amz-security-token"] = credentials.sessionToken;
  }
  const names = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const canonicalHeaders = names.map((name) => `${name}:${lower[name].trim().replace(/\s+/g, " ")}\n`).join("");
  const signedHeaders = names.join(";");
  const canonicalRequest = [request.method, request.path, request.query ?? "", canonicalHeaders, signedHeaders, request.payloadSha256].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), service), "aws4_request");
  const signature = createHmac("sha256", signingKey).update(stringToSign).digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
