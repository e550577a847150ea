/**
 * How long the job waits for a service it connects to (MongoDB, Redis, Elasticsearch) to answer
 * before it says that the service does not: long enough for a slow cluster network, short enough
 * that nobody at a terminal waits in silence wondering whether anything is happening.
 */
export const connectTimeoutMs = 5_000;
