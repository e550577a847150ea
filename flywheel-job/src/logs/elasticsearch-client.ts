import { readFileSync } from "node:fs";
import { Client, type ClientOptions } from "@elastic/elasticsearch";
import { type FlywheelEnvironment, requireSetting } from "../config/environment";
import { connectTimeoutMs } from "../connect-timeout";
import { UsageError } from "../errors";
import { describeFileError } from "../file-errors";

/**
 * An Elasticsearch client from `ELASTICSEARCH_*` variables: URL, basic auth or an API key, and an
 * optional CA file. `connectTimeout` is the job's everywhere but in tests.
 */
export function createElasticsearchClient(environment: FlywheelEnvironment, connectTimeout = connectTimeoutMs): Client {
  const node = requireSetting(environment, "ELASTICSEARCH_URL", "to read logs from Elasticsearch");
  // The client's connections are undici pools, which take `tls.timeout` as their connect timeout
  // (the TCP connection and the TLS handshake); undici's own default is 10 s.
  const options: ClientOptions = { node, maxRetries: 3, requestTimeout: 60_000, tls: { timeout: connectTimeout } };
  if (environment.ELASTICSEARCH_API_KEY) {
    options.auth = { apiKey: environment.ELASTICSEARCH_API_KEY };
  } else if (environment.ELASTICSEARCH_USERNAME && environment.ELASTICSEARCH_PASSWORD) {
    options.auth = { username: environment.ELASTICSEARCH_USERNAME, password: environment.ELASTICSEARCH_PASSWORD };
  }
  const caFile = environment.ELASTICSEARCH_CA_FILE;
  if (caFile) {
    try {
      options.tls = { ...options.tls, ca: readFileSync(caFile, "utf8") };
    } catch (error) {
      throw new UsageError(`ELASTICSEARCH_CA_FILE: cannot read ${caFile}: ${describeFileError(error)}`);
    }
  }
  return new Client(options);
}
