import { inClusterServiceUrl } from "../../../constructs/nim/urls";

describe("inClusterServiceUrl", () => {
  it("names the Service the operator creates after the resource", () => {
    expect(inClusterServiceUrl("nemo-datastore", "nemo")).toBe("http://nemo-datastore.nemo.svc.cluster.local:8000");
  });
});
