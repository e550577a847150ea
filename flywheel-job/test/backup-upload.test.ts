import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { type BackupCommandSettings, backupCommandWith } from "../src/backup/backup-command";
import { signRequest } from "../src/backup/sigv4";
import type { ShutdownRequests } from "../src/cli/command";
import { main } from "../src/cli/main";
import { ExitCode } from "../src/errors";
import { HttpStandIn } from "./support/http-stand-in";
import { temporaryDirectory } from "./support/logs";

const credentials = { AWS_ACCESS_KEY_ID: "AKIDBACKUPTEST", AWS_SECRET_ACCESS_KEY: "backup-test-secret-key", AWS_SESSION_TOKEN: "backup-test-session-token" };
const settings: BackupCommandSettings = { retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 20 }, idleTimeoutMs: 5_000, now: () => new Date("2026-12-03T02:00:00Z") };
const command = backupCommandWith(settings);
/** Archives over 8 bytes go up in parts of 4 bytes. */
const inParts = backupCommandWith({ ...settings, multipart: { thresholdBytes: 8, partSizeBytes: 4 } });

async function run(argv: string[], env: NodeJS.ProcessEnv = credentials, using = command, shutdown?: ShutdownRequests): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const context = { stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) }, env, cwd: temporaryDirectory(), ...(shutdown !== undefined ? { shutdown } : {}) };
  const code = await main(["backup", "upload", ...argv], context, [using]);
  return { code, stderr };
}

function archive(content: string): string {
  const path = join(temporaryDirectory(), "mongodb.archive.gz");
  writeFileSync(path, content);
  return path;
}

/** Nothing secret in what the command printed. */
function expectNoSecrets(stderr: string): void {
  for (const secret of [credentials.AWS_SECRET_ACCESS_KEY, credentials.AWS_SESSION_TOKEN, credentials.AWS_ACCESS_KEY_ID]) {
    expect(stderr).not.toContain(secret);
  }
}

describe("SigV4 signing", () => {
  it("matches the example of AWS's S3 signing documentation (GET Object)", () => {
    const headers = signRequest(
      { method: "GET", path: "/test.txt", headers: { host: "examplebucket.s3.amazonaws.com", range: "bytes=0-9" }, payloadSha256: createHash("sha256").update("").digest("hex") },
      { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
      "us-east-1",
      "s3",
      new Date("2013-05-24T00:00:00Z"),
    );
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
  });
});

describe("flywheel backup upload against a stand-in S3", () => {
  const s3 = new HttpStandIn();
  beforeAll(() => s3.start());
  afterAll(() => s3.stop());
  beforeEach(() => {
    s3.requests.length = 0;
  });

  it("PUTs the archive path-style, signed with its SHA-256 and the session token", async () => {
    const stored: Buffer[] = [];
    s3.route("PUT", "/flywheel-backups/:key*", (request) => {
      stored.push(request.body);
      return { status: 200, body: "" };
    });
    const result = await run(["--bucket", "flywheel-backups", "--key", "mongodb/2026-12-03T02:00:00Z.archive.gz", "--file", archive("dump bytes"), "--region", "eu-west-1", "--endpoint", s3.url]);
    expect(result).toEqual({ code: ExitCode.ok, stderr: "uploaded 10 bytes to s3://flywheel-backups/mongodb/2026-12-03T02:00:00Z.archive.gz\n" });
    expect(stored.map(String)).toEqual(["dump bytes"]);
    const seen = s3.requests[0];
    expect(seen.headers["x-amz-content-sha256"]).toBe(createHash("sha256").update("dump bytes").digest("hex"));
    expect(seen.headers["x-amz-security-token"]).toBe(credentials.AWS_SESSION_TOKEN);
    expect(seen.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDBACKUPTEST\/20261203\/eu-west-1\/s3\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
  });

  it("fails at once on 403, naming the bucket and key and S3's code, not its echo of the key id", async () => {
    s3.route("PUT", "/denied/:key*", () => ({ status: 403, body: `<Error><Code>AccessDenied</Code><AWSAccessKeyId>${credentials.AWS_ACCESS_KEY_ID}</AWSAccessKeyId></Error>` }));
    const result = await run(["--bucket", "denied", "--key", "mongodb/a.archive.gz", "--file", archive("x"), "--endpoint", s3.url]);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain("s3://denied/mongodb/a.archive.gz failed: S3 answered HTTP 403 (AccessDenied)");
    expect(s3.requests).toHaveLength(1);
    expectNoSecrets(result.stderr);
  });

  it("retries a 500 and succeeds when S3 recovers", async () => {
    s3.route("PUT", "/flaky/:key*", () => ({ status: 200, body: "" }));
    s3.inject({ method: "PUT", path: /^\/flaky\//, times: 1, status: 500 });
    const result = await run(["--bucket", "flaky", "--key", "mongodb/b.archive.gz", "--file", archive("y"), "--endpoint", s3.url]);
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stderr).toContain("S3 answered HTTP 500");
    expect(s3.requests).toHaveLength(2);
  });

  it("exits 75 when S3 keeps answering 500", async () => {
    s3.route("PUT", "/down/:key*", () => ({ status: 500, body: "<Error><Code>InternalError</Code></Error>" }));
    const result = await run(["--bucket", "down", "--key", "mongodb/c.archive.gz", "--file", archive("z"), "--endpoint", s3.url]);
    expect(result.code).toBe(ExitCode.transient);
    expect(result.stderr).toContain("uploading");
    expect(result.stderr).toContain("s3://down/mongodb/c.archive.gz failed after 3 attempts: S3 answered HTTP 500 (InternalError)");
    expectNoSecrets(result.stderr);
  });

  it("exits 75 naming the target when the endpoint refuses connections", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    const result = await run(["--bucket", "gone", "--key", "mongodb/d.archive.gz", "--file", archive("w"), "--endpoint", `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(ExitCode.transient);
    expect(result.stderr).toMatch(/s3:\/\/gone\/mongodb\/d\.archive\.gz failed after 3 attempts: .*ECONNREFUSED/);
    expectNoSecrets(result.stderr);
  });

  it("exits 2 naming the file when the archive does not exist, without a request", async () => {
    const result = await run(["--bucket", "b", "--key", "mongodb/e.archive.gz", "--file", "/nonexistent/mongodb.archive.gz", "--endpoint", s3.url]);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain("cannot upload /nonexistent/mongodb.archive.gz to s3://b/mongodb/e.archive.gz");
    expect(s3.requests).toHaveLength(0);
  });

  it("exchanges an IRSA web identity token with STS for the credentials it signs with", async () => {
    const tokenFile = join(temporaryDirectory(), "token");
    writeFileSync(tokenFile, "projected-token\n");
    s3.route("POST", "/", (request) => {
      const form = new URLSearchParams(request.body.toString());
      expect(Object.fromEntries(form)).toMatchObject({ Action: "AssumeRoleWithWebIdentity", RoleArn: "arn:aws:iam::123456789012:role/backup", WebIdentityToken: "projected-token" });
      return { status: 200, body: "<AssumeRoleWithWebIdentityResponse><Credentials><AccessKeyId>ASIASTS</AccessKeyId><SecretAccessKey>sts-secret</SecretAccessKey><SessionToken>sts-token</SessionToken></Credentials></AssumeRoleWithWebIdentityResponse>" };
    });
    s3.route("PUT", "/irsa/:key*", () => ({ status: 200, body: "" }));
    const env = { AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/backup", AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ENDPOINT_URL_STS: s3.url, AWS_REGION: "us-west-2" };
    const result = await run(["--bucket", "irsa", "--key", "mongodb/f.archive.gz", "--file", archive("v"), "--endpoint", s3.url], env);
    expect(result.code).toBe(ExitCode.ok);
    const put = s3.requests.find((r) => r.method === "PUT")!;
    expect(put.headers.authorization).toContain("Credential=ASIASTS/20261203/us-west-2/s3/aws4_request");
    expect(put.headers["x-amz-security-token"]).toBe("sts-token");
  });

  /** A stand-in multipart API for `bucket`: parts kept by number, the completed object in `objects`. */
  function multipartRoutes(bucket: string, onPart: (part: number) => void = () => undefined): { objects: Buffer[]; aborted: string[] } {
    const parts = new Map<number, Buffer>();
    const state = { objects: [] as Buffer[], aborted: [] as string[] };
    s3.route("POST", `/${bucket}/:key*`, (request) => {
      if (request.query.has("uploads")) {
        parts.clear();
        return { status: 200, body: "<InitiateMultipartUploadResult><UploadId>upload+1/x</UploadId></InitiateMultipartUploadResult>" };
      }
      const numbers = [...request.body.toString().matchAll(/<PartNumber>(\d+)<\/PartNumber><ETag>&quot;etag-(\d+)&quot;<\/ETag>/g)];
      state.objects.push(Buffer.concat(numbers.map(([, n]) => parts.get(Number(n))!)));
      return { status: 200, body: "<CompleteMultipartUploadResult></CompleteMultipartUploadResult>" };
    });
    s3.route("PUT", `/${bucket}/:key*`, (request) => {
      const part = Number(request.query.get("partNumber"));
      onPart(part);
      parts.set(part, request.body);
      return { status: 200, body: "", headers: { etag: `"etag-${part}"` } };
    });
    s3.route("DELETE", `/${bucket}/:key*`, (request) => {
      state.aborted.push(request.query.get("uploadId") ?? "");
      return { status: 204, body: "" };
    });
    return state;
  }

  it("uploads an archive above the threshold in parts and completes it byte-equal", async () => {
    const state = multipartRoutes("parts");
    const result = await run(["--bucket", "parts", "--key", "postgres/big.archive.gz", "--file", archive("0123456789abcdefXY"), "--endpoint", s3.url], credentials, inParts);
    expect(result).toEqual({ code: ExitCode.ok, stderr: "uploaded 18 bytes to s3://parts/postgres/big.archive.gz\n" });
    expect(state.objects.map(String)).toEqual(["0123456789abcdefXY"]);
    const puts = s3.requests.filter((r) => r.method === "PUT");
    expect(puts.map((r) => r.query.get("partNumber"))).toEqual(["1", "2", "3", "4", "5"]);
    expect(puts.every((r) => r.query.get("uploadId") === "upload+1/x")).toBe(true);
    expect(puts[0].headers["x-amz-content-sha256"]).toBe(createHash("sha256").update("0123").digest("hex"));
    expect(state.aborted).toEqual([]);
  });

  it("keeps a single PUT at or below the threshold", async () => {
    const state = multipartRoutes("small");
    const result = await run(["--bucket", "small", "--key", "mongodb/s.archive.gz", "--file", archive("12345678"), "--endpoint", s3.url], credentials, inParts);
    expect(result.code).toBe(ExitCode.ok);
    expect(s3.requests.map((r) => r.method)).toEqual(["PUT"]);
    expect(s3.requests[0].query.has("partNumber")).toBe(false);
    expect(state.aborted).toEqual([]);
  });

  it("aborts the multipart upload when a part is refused, with an error naming the part", async () => {
    const state = multipartRoutes("refused");
    s3.inject({ method: "PUT", path: /^\/refused\//, times: 1, status: 403 });
    const result = await run(["--bucket", "refused", "--key", "postgres/r.archive.gz", "--file", archive("0123456789abcdef"), "--endpoint", s3.url], credentials, inParts);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain("uploading part 1 of 4 of");
    expect(result.stderr).toContain("s3://refused/postgres/r.archive.gz failed: S3 answered HTTP 403");
    expect(state.aborted).toEqual(["upload+1/x"]);
    expect(state.objects).toEqual([]);
  });

  it("aborts the multipart upload when parts keep failing with 500, exiting 75", async () => {
    const state = multipartRoutes("failing");
    s3.inject({ method: "PUT", path: /^\/failing\//, times: 100, status: 500 });
    const result = await run(["--bucket", "failing", "--key", "postgres/f.archive.gz", "--file", archive("0123456789abcdef"), "--endpoint", s3.url], credentials, inParts);
    expect(result.code).toBe(ExitCode.transient);
    expect(result.stderr).toContain("uploading part 1 of 4 of");
    expect(result.stderr).toContain("failed after 3 attempts: S3 answered HTTP 500");
    expect(state.aborted).toEqual(["upload+1/x"]);
    expectNoSecrets(result.stderr);
  });

  it("aborts the multipart upload when the command is cancelled mid-upload", async () => {
    const controller = new AbortController();
    const state = multipartRoutes("cancelled", (part) => part === 2 && controller.abort("SIGTERM"));
    const shutdown: ShutdownRequests = { signal: controller.signal, handleGracefully: () => undefined };
    const result = await run(["--bucket", "cancelled", "--key", "postgres/c.archive.gz", "--file", archive("0123456789abcdef"), "--endpoint", s3.url], credentials, inParts, shutdown);
    expect(result.code).not.toBe(ExitCode.ok);
    expect(state.aborted).toEqual(["upload+1/x"]);
    expect(state.objects).toEqual([]);
    expect(s3.requests.filter((r) => r.method === "PUT").length).toBeLessThan(4);
  });

  it("reads no further than 64 KiB of S3's answer: an UploadId past it is not taken", async () => {
    s3.route("POST", "/oversized/:key*", () => ({ status: 200, body: `<InitiateMultipartUploadResult>${" ".repeat(70 * 1024)}<UploadId>late</UploadId></InitiateMultipartUploadResult>` }));
    const result = await run(["--bucket", "oversized", "--key", "postgres/o.archive.gz", "--file", archive("0123456789abcdef"), "--endpoint", s3.url], credentials, inParts);
    expect(result.code).toBe(ExitCode.transient);
    expect(result.stderr).toContain("starting a multipart upload of");
    expect(result.stderr).toContain("holds no UploadId");
    expect(s3.requests.map((r) => r.method)).toEqual(["POST"]);
  });

  it("refuses an archive of more than 10,000 parts, naming its size, without a request", async () => {
    const tooMany = backupCommandWith({ ...settings, multipart: { thresholdBytes: 1, partSizeBytes: 1 } });
    const result = await run(["--bucket", "many", "--key", "postgres/m.archive.gz", "--file", archive("x".repeat(10_001)), "--endpoint", s3.url], credentials, tooMany);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain("10001 bytes is more than 10000 parts of 1 bytes");
    expect(s3.requests).toHaveLength(0);
  });
});
