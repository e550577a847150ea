import { readFileSync } from "node:fs";
import { TransientError, UsageError, messageOf } from "../errors";
import type { AwsCredentials } from "./sigv4";
import { httpRequest } from "./http-request";

/** How long one call to STS may take. */
const stsTimeoutMs = 30_000;

/**
 * The credentials of the environment, as the AWS SDKs find them: AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN) when set, else the web identity EKS injects for an
 * IRSA ServiceAccount (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE), exchanged for temporary
 * credentials with STS AssumeRoleWithWebIdentity (AWS_ENDPOINT_URL_STS overrides its endpoint).
 * No message carries a key, a token or a secret.
 */
export async function environmentCredentials(env: NodeJS.ProcessEnv, region: string): Promise<AwsCredentials> {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) {
    return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  }
  const roleArn = env.AWS_ROLE_ARN;
  const tokenFile = env.AWS_WEB_IDENTITY_TOKEN_FILE;
  if (!roleArn || !tokenFile) {
    throw new UsageError("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run under a ServiceAccount with an IAM role (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE)");
  }
  let token: string;
  try {
    token = readFileSync(tokenFile, "utf8").trim();
  } catch (error) {
    throw new UsageError(`cannot read the web identity token ${tokenFile}: ${messageOf(error)}`);
  }
  const endpoint = env.AWS_ENDPOINT_URL_STS ?? `https://sts.${region}.amazonaws.com`;
  const body = new URLSearchParams({
    Action: "AssumeRoleWithWebIdentity",
    Version: "2011-06-15",
    RoleArn: roleArn,
    RoleSessionName: "flywheel-backup",
    WebIdentityToken: token,
  }).toString();
  const what = `STS AssumeRoleWithWebIdentity for ${roleArn}`;
  let response: { status: number; body: string };
  try {
    response = await httpRequest(new URL("/", endpoint), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: Buffer.from(body), timeoutMs: stsTimeoutMs });
  } catch (error) {
    throw new TransientError(`${what} failed: ${messageOf(error)}`);
  }
  if (response.status !== 200) {
    const code = /<Code>([^<]*)<\/Code>/.exec(response.body)?.[1] ?? "no error code";
    const failure = `${what} answered HTTP ${response.status} (${code})`;
    throw response.status >= 500 ? new TransientError(failure) : new UsageError(failure);
  }
  const field = (name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(response.body)?.[1];
  const issued = { accessKeyId: field("AccessKeyId"), secretAccessKey: field("SecretAccessKey"), sessionToken: field("SessionToken") };
  if (!issued.accessKeyId || !issued.secretAccessKey || !issued.sessionToken) {
    throw new TransientError(`${what} answered without credentials`);
  }
  return { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken };
}
