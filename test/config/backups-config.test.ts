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

  it("refuses backups where there is no S3 (local)", () => {
    expect(problems("local", { enabled: true })).toEqual([expect.stringMatching(/^data-flywheel:platform\.backups\.enabled: needs cloud aws/)]);
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
