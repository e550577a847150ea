import { backupLifecycleRules, backupPrefixes, type BackupStore } from "../../infra/platform/backup-storage";

const stores = Object.keys(backupPrefixes) as BackupStore[];

describe("backupLifecycleRules", () => {
  it.each(stores)("aborts an unfinished multipart upload under %s after a day, so a killed upload leaves no billed parts", (store) => {
    const rule = backupLifecycleRules(stores, 14).find((r) => r.filter !== undefined && "prefix" in r.filter && r.filter.prefix === backupPrefixes[store]);
    expect(rule).toMatchObject({ status: "Enabled", expiration: { days: 14 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } });
  });

  it("writes no rule for a store that does not back up", () => {
    expect(backupLifecycleRules(["mongodb"], 7).map((r) => r.id)).toEqual(["expire-mongodb"]);
  });
});
