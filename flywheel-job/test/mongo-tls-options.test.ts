import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { UsageError } from "../src/errors";
import { mongoTlsOptions } from "../src/store/mongo-tls-options";
import { temporaryDirectory } from "./support/logs";

// The shape of a PEM certificate is all these tests need: the driver parses it when it connects.
const caPem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUexample\n-----END CERTIFICATE-----\n";
const url = "mongodb://flywheel:secret@flywheel-mongo-0.flywheel-mongo-svc.data.svc.cluster.local:27017/flywheel?replicaSet=flywheel-mongo&authSource=admin&tls=true";

function caFile(contents = caPem): string {
  const path = join(temporaryDirectory(), "ca.crt");
  writeFileSync(path, contents);
  return path;
}

describe("mongoTlsOptions", () => {
  it("turns TLS on and trusts only the CA of MONGODB_CA_FILE", () => {
    expect(mongoTlsOptions({ MONGODB_URL: url, MONGODB_CA_FILE: caFile() })).toEqual({ tls: true, ca: caPem });
  });

  it("leaves TLS to the connection string without MONGODB_CA_FILE", () => {
    expect(mongoTlsOptions({ MONGODB_URL: url })).toEqual({});
    expect(mongoTlsOptions({ MONGODB_URL: "mongodb://127.0.0.1:27017/flywheel" })).toEqual({});
  });

  it("gives the driver a client that verifies the certificate and the host name", () => {
    const client = new MongoClient(url, mongoTlsOptions({ MONGODB_URL: url, MONGODB_CA_FILE: caFile() }));
    expect(client.options).toMatchObject({ tls: true, ca: caPem });
    // What tlsInsecure would set: Node's TLS then skips the certificate or the host-name check.
    expect(client.options.rejectUnauthorized).toBeUndefined();
    expect(client.options.checkServerIdentity).toBeUndefined();
  });

  it("names MONGODB_CA_FILE when the file is missing", () => {
    const missing = join(temporaryDirectory(), "ca.crt");
    expect(() => mongoTlsOptions({ MONGODB_URL: url, MONGODB_CA_FILE: missing })).toThrow(
      new UsageError(`MONGODB_CA_FILE: cannot read ${missing}: no such file or directory`),
    );
  });

  it("names MONGODB_CA_FILE when the file is unreadable or holds no certificate", () => {
    const directory = temporaryDirectory();
    expect(() => mongoTlsOptions({ MONGODB_URL: url, MONGODB_CA_FILE: directory })).toThrow(
      new UsageError(`MONGODB_CA_FILE: cannot read ${directory}: it is a directory`),
    );
    const empty = caFile("");
    expect(() => mongoTlsOptions({ MONGODB_URL: url, MONGODB_CA_FILE: empty })).toThrow(new UsageError(`MONGODB_CA_FILE: ${empty} holds no PEM certificate`));
  });

  it("refuses a connection string that turns verification off, with or without a CA", () => {
    for (const option of ["tlsAllowInvalidCertificates=true", "tlsInsecure=true", "TLSALLOWINVALIDHOSTNAMES=TRUE"]) {
      const insecure = `${url}&${option}`;
      const message = `MONGODB_URL turns off the verification of MongoDB's certificate (${option.toLowerCase()}); remove that option`;
      expect(() => mongoTlsOptions({ MONGODB_URL: insecure })).toThrow(new UsageError(message));
      expect(() => mongoTlsOptions({ MONGODB_URL: insecure, MONGODB_CA_FILE: caFile() })).toThrow(new UsageError(message));
    }
    expect(mongoTlsOptions({ MONGODB_URL: `${url}&tlsAllowInvalidCertificates=false` })).toEqual({});
  });

  it("refuses a connection string that turns TLS off while MONGODB_CA_FILE asks for it", () => {
    expect(() => mongoTlsOptions({ MONGODB_URL: "mongodb://mongo:27017/flywheel?tls=false", MONGODB_CA_FILE: caFile() })).toThrow(
      new UsageError("MONGODB_URL sets tls=false, but MONGODB_CA_FILE asks for TLS; remove that option"),
    );
  });
});
