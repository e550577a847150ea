/**
 * The versions and images the data-service constructs run unless told otherwise: each construct
 * takes its image as a prop, and the stacks use these (stacks/config/versions.ts gathers them).
 * Nothing here floats.
 */
export const dataServiceDefaults = {
  /**
   * Elasticsearch server. Stays on 8.x: the flywheel's client is @elastic/elasticsearch 8.19, and a
   * 9.x client refuses 8.x servers (and the other way round).
   */
  elasticsearchVersion: "8.19.24",
  /**
   * MongoDB server run by MongoDB Controllers for Kubernetes. The operator builds the image
   * `quay.io/mongodb/mongodb-community-server:<version>-<imageType>`; 8.0.12 and later exist only as
   * `ubi9`, so the chart needs `community.mongodb.imageType: ubi9`.
   */
  mongodbVersion: "8.0.32",
  /**
   * The official `mongo` image, for its MongoDB Database Tools: `mongodump` of the backup CronJob and
   * `mongorestore` of its runbook. The server's version, so the tools match what they dump.
   */
  mongoToolsImage: "mongo:8.0.32",
  /** Redis from the official image (not Bitnami). */
  redisImage: "redis:8.6.4-alpine",
  /** PostgreSQL for CloudNativePG (the operator's own image line); also the psql client of the RDS bootstrap Job. */
  postgresImage: "ghcr.io/cloudnative-pg/postgresql:18.4-minimal-trixie",
  /** The curl the Elasticsearch bootstrap Job runs. */
  curlImage: "curlimages/curl:8.21.0",
  /**
   * prometheus-community's elasticsearch_exporter, the version prometheus-elasticsearch-exporter 7.4.0
   * runs (its appVersion); the project publishes its images on quay.io and Docker Hub only.
   */
  elasticsearchExporterImage: "quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0",
  /** oliver006/redis_exporter, the version prometheus-redis-exporter 6.29.0 runs (its appVersion), from its GHCR repository. */
  redisExporterImage: "ghcr.io/oliver006/redis_exporter:v1.89.0",
} as const;
