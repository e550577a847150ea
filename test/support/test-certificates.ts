import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** PEM files of a test CA and of a server certificate it signed, in one directory. */
export interface TestCertificates {
  /** The CA's certificate, which clients trust. */
  readonly caFile: string;
  /** The server's certificate (for 127.0.0.1 and localhost) and its key. */
  readonly certFile: string;
  readonly keyFile: string;
}

const openssl = (...args: string[]): void => {
  execFileSync("openssl", args, { stdio: "pipe" });
};

/**
 * A CA of its own (ECDSA P-256, valid a day) and a server certificate it signed for 127.0.0.1 and
 * localhost, written with the `openssl` CLI into `dir` as `ca.crt`, `tls.crt` and `tls.key`: the
 * key names of a `kubernetes.io/tls` Secret.
 */
export function issueTestCertificates(dir: string, caName = "test CA"): TestCertificates {
  mkdirSync(dir, { recursive: true });
  const file = (name: string): string => path.join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.crt"), "-days", "1", "-subj", `/CN=${caName}`);
  openssl("req", ...ec, "-keyout", file("tls.key"), "-out", file("tls.csr"), "-subj", "/CN=localhost");
  writeFileSync(file("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  openssl("x509", "-req", "-in", file("tls.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"), "-set_serial", String(Date.now()), "-days", "1", "-extfile", file("server.ext"), "-out", file("tls.crt"));
  return { caFile: file("ca.crt"), certFile: file("tls.crt"), keyFile: file("tls.key") };
}
