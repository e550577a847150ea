import { platformEndpoints } from "../../infra/platform/platform-endpoints";

describe("platformEndpoints", () => {
  it("shows each service's in-cluster URL, the names a client connects with, and where its Secrets are", () => {
    const endpoints = platformEndpoints({
      elasticsearchUrl: "https://flywheel-logs-es-http.data.svc:9200",
      logWriterNamespaces: ["shop", "support"],
      runState: { mongodb: "mongodb://flywheel@m-0.data:27017/flywheel", redis: "rediss://flywheel-redis.data:6379" },
      nemo: { datastore: "http://ds", entitystore: "http://es", evaluator: "http://ev" },
      judge: { baseUrl: "https://judge.example/v1", model: "judge-model", needsApiKey: true },
      embedding: { baseUrl: "http://embedding.nemo.svc.cluster.local:8000/v1", model: "embedding-model", needsApiKey: false },
    });
    expect(endpoints).toEqual({
      namespaces: {
        gpuOperator: "gpu-operator",
        nimOperator: "nim-operator",
        dataOperators: "data-operators",
        externalSecrets: "external-secrets",
        certManager: "cert-manager",
        data: "data",
        nemo: "nemo",
        nemoDatabase: "nemo-db",
        volcano: "volcano-system",
        monitoring: "monitoring",
        flywheel: "flywheel",
        serving: "serving",
      },
      elasticsearch: {
        url: "https://flywheel-logs-es-http.data.svc:9200",
        logIndex: "flywheel",
        readerUser: "flywheel-reader",
        writers: {
          shop: { user: "log-writer-shop", secret: "shop/flywheel-log-writer" },
          support: { user: "log-writer-support", secret: "support/flywheel-log-writer" },
        },
        caConfigMap: "flywheel/flywheel-logs-ca",
      },
      mongodb: { url: "mongodb://flywheel@m-0.data:27017/flywheel" },
      redis: { url: "rediss://flywheel-redis.data:6379" },
      flywheelConnectionsSecret: "flywheel/flywheel-data-connections",
      nemo: { datastore: "http://ds", entitystore: "http://es", evaluator: "http://ev" },
      judge: { baseUrl: "https://judge.example/v1", model: "judge-model" },
      embedding: { baseUrl: "http://embedding.nemo.svc.cluster.local:8000/v1", model: "embedding-model" },
    });
  });
});
