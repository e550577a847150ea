import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { networkSampleCheck } from "../src/verify/platform/network-sample";
import { freePort } from "./support/free-port";
import { platformCheckContext } from "./support/platform-check-context";

describe("network-sample", () => {
  let listening: Server;
  let open: number;
  beforeAll(async () => {
    listening = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
    open = (listening.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => listening.close(() => resolve())));

  test("an allowed path that connects and a denied one that is refused both pass", async () => {
    const closed = await freePort();
    const results = await networkSampleCheck().run(
      platformCheckContext({ networkSample: { allowed: [{ host: "127.0.0.1", port: open, description: "the API" }], denied: [{ host: "127.0.0.1", port: closed, description: "the database" }] } }),
    );
    expect(results.map((result) => result.outcome)).toEqual(["pass", "pass"]);
  });

  test("an allowed path that is refused is blocked; a denied path that connects is open", async () => {
    const closed = await freePort();
    const results = await networkSampleCheck().run(
      platformCheckContext({ networkSample: { allowed: [{ host: "127.0.0.1", port: closed, description: "the API" }], denied: [{ host: "127.0.0.1", port: open, description: "the database" }] } }),
    );
    expect(results).toEqual([
      expect.objectContaining({ check: "network allowed: the API", outcome: "fail", troubleshooting: "network-path-blocked" }),
      expect.objectContaining({ check: "network denied: the database", outcome: "fail", troubleshooting: "network-path-open" }),
    ]);
  });
});
