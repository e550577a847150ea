import { optionalNodeSelector, persistentStorage } from "../../infra/platform/construct-props";

describe("persistentStorage", () => {
  it("claims the size in GiB on the StorageClass the cluster names", () => {
    expect(persistentStorage(50, "gp3-encrypted-retain")).toEqual({ size: "50Gi", storageClass: "gp3-encrypted-retain" });
  });

  it("leaves the StorageClass out when the cluster names none, so its default applies", () => {
    expect(persistentStorage(2, undefined)).toEqual({ size: "2Gi" });
  });
});

describe("optionalNodeSelector", () => {
  it("keeps a selector that names nodes, and drops an empty one", () => {
    expect(optionalNodeSelector({ "data-flywheel.io/node-pool": "system" })).toEqual({ "data-flywheel.io/node-pool": "system" });
    expect(optionalNodeSelector({})).toBeUndefined();
  });
});
