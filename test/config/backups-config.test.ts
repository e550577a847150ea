import { loadStackConfig, StackConfigError } from "../../stacks/config/load";
import { editedStack } from "../support/stack-config";

type Config = Record<string, unknown>;

/** The stack with `platform.backups` replaced (and `aws:region` when given). */
function withBackups(stack: string, backups: unknown, region?: string): ReturnType<typeof editedStack> {
  return editedStack(stack, (c: Config) => {
    c["data-flywheel:platform"] = { ...(c["data-flywheel:platform"] as Config | undefined), backups };
    if (region !== undefined) {
      c["aws:region"] = region;
    }
  });
}

function problems(stack: string, backups: unknown, region?: string): readonly string[] {
  try {
    loadStackConfig(withBackups(stack, backups, region), "placeholder");
  } catch (error) {
    if (error instanceof StackConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

const settings = (stack: string, backups: unknown) => loadStackConfig(withBackups(stack, backups), "placeholder").platform.backups;

describe("platform.backups", () => {
  it("is off unless turned on, keeping 14 days from 02:00 when on", () => {
    expect(settings("dev", undefined)).toEqual({ enabled: false, crossRegion: false, retentionDays: 14, schedule: "0 2 * * *" });
    expect(settings("dev", { enabled: true }).enabled).toBe(true);
  });

  it("refuses a retention shorter than a day, naming the key", () => {
    expect(problems("dev", { enabled: true, retentionDays: 0 })).toEqual([expect.stringMatching(/^data-flywheel:platform\.backups\.retentionDays: expected a value >= 1, got 0$/)]);
  });

  it("refuses less than the production minimum in production", () => {
    expect(problems("prod", { enabled: true, retentionDays: 3 })).toEqual([expect.stringMatching(/^data-flywheel:platform\.backups\.retentionDays: must be at least 7 in production/)]);
  });

  it("on local (cloud existing), refuses backups without an endpoint and a bucket, naming each key", () => {
    expect(problems("local", { enabled: true })).toEqual([
      expect.stringMatching(/^data-flywheel:platform\.backups\.endpoint: is required with platform\.backups\.enabled when cloud is existing/),
      expect.stringMatching(/^data-flywheel:platform\.backups\.bucket: is required with platform\.backups\.enabled when cloud is existing: the stack creates no bucket there/),
    ]);
    expect(problems("local", { enabled: true, endpoint: "https://minio.example.com" })).toEqual([expect.stringMatching(/^data-flywheel:platform\.backups\.bucket: is required/)]);
  });

  it("on local, accepts an S3-compatible endpoint with an existing bucket and its region", () => {
    const backups = { enabled: true, endpoint: "https://minio.example.com:9000", bucket: "flywheel-backups", region: "us-east-1" };
    expect(settings("local", backups)).toMatchObject(backups);
    expect(settings("local", { ...backups, endpoint: "http://minio.minio.svc.cluster.local:9000" }).endpoint).toBe("http://minio.minio.svc.cluster.local:9000");
  });

  it.each([
    ["plain HTTP outside the cluster", "http://minio.example.com:9000"],
    ["a path", "https://minio.example.com/backups"],
    ["credentials in the URL", "https://key:secret@minio.example.com"],
    ["not a URL", "minio:9000"],
  ])("refuses an endpoint with %s", (_, endpoint) => {
    expect(problems("local", { enabled: true, endpoint, bucket: "flywheel-backups", region: "us-east-1" })).toEqual([
      expect.stringMatching(/^data-flywheel:platform\.backups\.endpoint: expected https:\/\/host\[:port\] \(no path\), or http:\/\/ only to a cluster Service/),
    ]);
  });

  it("refuses an endpoint on EKS, where the stack's bucket and IAM roles apply", () => {
    expect(problems("dev", { enabled: true, endpoint: "https://minio.example.com" })).toEqual([
      expect.stringMatching(/^data-flywheel:platform\.backups\.endpoint: only applies when cloud is existing: on EKS the backups write AWS S3/),
    ]);
  });

  it("on local, needs the endpoint's access-key pair as Pulumi secrets in a real deployment", () => {
    const source = withBackups("local", { enabled: true, endpoint: "https://minio.example.com", bucket: "flywheel-backups", region: "us-east-1" });
    let found: readonly string[] = [];
    try {
      loadStackConfig(source, "fail");
    } catch (error) {
      if (!(error instanceof StackConfigError)) throw error;
      found = error.problems;
    }
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^data-flywheel:backupEndpointAccessKeyId: is required \(access key ID the backups sign with at platform\.backups\.endpoint\); run `pulumi config set --secret backupEndpointAccessKeyId/),
      expect.stringMatching(/^data-flywheel:backupEndpointSecretAccessKey: is required/),
    ]));
  });

  it("refuses an existing bucket without its region, naming the key", () => {
    expect(problems("dev", { enabled: true, bucket: "acme-backups" })).toEqual([expect.stringMatching(/^data-flywheel:platform\.backups\.region: is required with platform\.backups\.bucket/)]);
  });

  it("refuses a bucket in another region unless crossRegion says so", () => {
    expect(problems("dev", { enabled: true, bucket: "acme-backups", region: "eu-central-1" }, "us-west-2")).toEqual([
      expect.stringMatching(/^data-flywheel:platform\.backups\.region: is eu-central-1, not aws:region us-west-2: set platform\.backups\.crossRegion: true/),
    ]);
    const accepted = loadStackConfig(withBackups("dev", { enabled: true, bucket: "acme-backups", region: "eu-central-1", crossRegion: true }, "us-west-2"), "placeholder");
    expect(accepted.platform.backups).toMatchObject({ bucket: "acme-backups", region: "eu-central-1", crossRegion: true });
  });

  it("refuses a schedule that is not cron", () => {
    expect(problems("dev", { enabled: true, schedule: "nightly" })).toEqual([expect.stringMatching(/^data-flywheel:platform\.backups\.schedule: expected a cron schedule/)]);
  });
});
