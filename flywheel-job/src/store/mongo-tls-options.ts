import { readFileSync } from "node:fs";
import type { MongoClientOptions } from "mongodb";
import type { FlywheelEnvironment } from "../config/environment";
import { UsageError } from "../errors";
import { describeFileError } from "../file-errors";

/** The driver's options this module decides: whether to use TLS, and the CA the server's certificate must chain to. */
export type MongoTlsOptions = Pick<MongoClientOptions, "tls" | "ca">;

// Connection-string options that turn certificate or host-name checks off (the driver reads option
// names case-insensitively). The job never runs with them: a store reached without verification
// could be anyone's.
const verificationOff: readonly string[] = ["tlsinsecure", "tlsallowinvalidcertificates", "tlsallowinvalidhostnames"];
const tlsOff: readonly string[] = ["tls", "ssl"];

/**
 * The TLS options of the job's MongoDB client, from MONGODB_URL and MONGODB_CA_FILE. With
 * MONGODB_CA_FILE the client uses TLS and trusts only that CA (the stack's, mounted from its
 * ConfigMap); the file is read here so a missing or wrong one fails the command at once, naming
 * the variable, instead of at the first connection. Without it the connection string decides
 * (`tls=true` then checks against the system's CAs). A connection string that turns verification
 * off, or TLS off while a CA is given, is refused.
 */
export function mongoTlsOptions(environment: FlywheelEnvironment): MongoTlsOptions {
  const options = connectionStringOptions(environment.MONGODB_URL ?? "");
  const insecure = [...options].find(([name, value]) => verificationOff.includes(name) && value !== "false");
  if (insecure) {
    throw new UsageError(`MONGODB_URL turns off the verification of MongoDB's certificate (${insecure[0]}=${insecure[1]}); remove that option`);
  }
  const caFile = environment.MONGODB_CA_FILE;
  if (caFile === undefined) {
    return {};
  }
  const plaintext = [...options].find(([name, value]) => tlsOff.includes(name) && value === "false");
  if (plaintext) {
    throw new UsageError(`MONGODB_URL sets ${plaintext[0]}=false, but MONGODB_CA_FILE asks for TLS; remove that option`);
  }
  let ca: string;
  try {
    ca = readFileSync(caFile, "utf8");
  } catch (error) {
    throw new UsageError(`MONGODB_CA_FILE: cannot read ${caFile}: ${describeFileError(error)}`);
  }
  if (!ca.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(`MONGODB_CA_FILE: ${caFile} holds no PEM certificate`);
  }
  return { tls: true, ca };
}

/** The options of a connection string (after `?`), names lower-cased, values lower-cased and decoded. */
function connectionStringOptions(url: string): Map<string, string> {
  const query = url.indexOf("?");
  const options = new Map<string, string>();
  if (query < 0) {
    return options;
  }
  for (const [name, value] of new URLSearchParams(url.slice(query + 1))) {
    options.set(name.toLowerCase(), value.toLowerCase());
  }
  return options;
}
