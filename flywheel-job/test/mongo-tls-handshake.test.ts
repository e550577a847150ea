import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createServer, type Server } from "node:tls";
import { MongoRecordStore } from "../src/store/mongo-record-store";
import { mongoTlsOptions } from "../src/store/mongo-tls-options";
import { describeWithProgram, type RequiredProgram } from "../../test/support/needs-program";
import { issueTestCertificates, type TestCertificates } from "../../test/support/test-certificates";

const openssl: RequiredProgram = { command: "openssl", install: "apt-get install -y openssl" };

/**
 * No mongod runs here, so a TLS listener with a certificate of one CA stands in for MongoDB: what
 * matters is whether the job's client completes the handshake, which it may only when the
 * certificate chains to MONGODB_CA_FILE and names the host it dialled.
 */
describeWithProgram(openssl, "the job's MongoDB client over TLS, against a TLS listener", () => {
  let dir: string;
  let server: TestCertificates;
  let otherCa: TestCertificates;
  let listener: Server;
  let url: string;
  const handshakes: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "flywheel-mongo-tls-"));
    server = issueTestCertificates(path.join(dir, "server"), "stack CA");
    otherCa = issueTestCertificates(path.join(dir, "other"), "another CA");
    listener = createServer({ cert: readFileSync(server.certFile), key: readFileSync(server.keyFile) }, (socket) => {
      handshakes.push("completed");
      socket.destroy();
    });
    listener.on("tlsClientError", () => handshakes.push("refused"));
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    url = `mongodb://127.0.0.1:${(listener.address() as AddressInfo).port}/flywheel?directConnection=true&tls=true`;
  });

  afterAll(async () => {
    await new Promise((resolve) => listener.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => handshakes.splice(0));

  const open = (caFile: string) => MongoRecordStore.open(url, "flywheel", 1_000, mongoTlsOptions({ MONGODB_URL: url, MONGODB_CA_FILE: caFile }));

  it("completes the handshake with a certificate of the CA in MONGODB_CA_FILE", async () => {
    // The listener is no MongoDB: it hangs up after the handshake, so the open still fails.
    await expect(open(server.caFile)).rejects.toThrow();
    expect(handshakes).toContain("completed");
  });

  it("refuses a certificate of another CA before sending anything", async () => {
    await expect(open(otherCa.caFile)).rejects.toThrow(/self-signed certificate in certificate chain|unable to verify/);
    expect(handshakes).not.toContain("completed");
  });

  it("refuses a certificate for another host name", async () => {
    // 127.0.0.2 is this machine too, but not a name on the certificate (127.0.0.1, localhost).
    const elsewhere = createServer({ cert: readFileSync(server.certFile), key: readFileSync(server.keyFile) }, (socket) => socket.destroy());
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.2", resolve));
    try {
      const otherHost = `mongodb://127.0.0.2:${(elsewhere.address() as AddressInfo).port}/flywheel?directConnection=true&tls=true`;
      const tls = mongoTlsOptions({ MONGODB_URL: otherHost, MONGODB_CA_FILE: server.caFile });
      await expect(MongoRecordStore.open(otherHost, "flywheel", 1_000, tls)).rejects.toThrow(/does not match certificate's altnames/);
    } finally {
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });
});
