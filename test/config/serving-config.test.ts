import { loadStackConfig, StackConfigError } from "../../stacks/config/load";
import { editedStack } from "../support/stack-config";

type Config = Record<string, unknown>;
type Entry = Record<string, unknown>;

/** The dev stack's example entry: off, without evidence. */
const devExample = {
  name: "customer-support",
  model: "meta/llama-3.2-1b-instruct",
  image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.12.0" },
  gpus: 1,
  replicas: { min: 0, max: 0 },
  scaleOn: { metric: "num_requests_waiting", target: 4 },
  clientNamespaces: ["support-web"],
};

const evidence = {
  runId: "6745a1b2c3d4e5f601234567",
  workloadId: "customer-support",
  clientId: "support-web",
  evalType: "base-eval",
  scores: { function_name_and_args_accuracy: 0.97 },
  targets: { function_name_and_args_accuracy: 0.95 },
  at: "2026-12-01T10:00:00Z",
};

/** An entry that serves one replica, with its evidence. */
const serving = (edit: Entry = {}): Entry => ({ ...devExample, replicas: { min: 1, max: 1 }, promotedFrom: evidence, ...edit });

/** The stack with `serving` replaced; dev's budget lowered to 1 so one GPU is free for serving. */
function withServing(stack: string, entries: unknown, budget?: number): ReturnType<typeof editedStack> {
  return editedStack(stack, (c: Config) => {
    c["data-flywheel:serving"] = entries;
    if (budget !== undefined) {
      c["data-flywheel:flywheel"] = { ...(c["data-flywheel:flywheel"] as Config), gpuBudget: budget };
    }
  });
}

function problems(stack: string, entries: unknown, budget?: number): readonly string[] {
  try {
    loadStackConfig(withServing(stack, entries, budget), "placeholder");
  } catch (error) {
    if (error instanceof StackConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

describe("serving", () => {
  it("loads the dev stack's example entry, off and typed, and none elsewhere", () => {
    const dev = loadStackConfig(editedStack("dev", () => undefined), "placeholder");
    expect(dev.serving).toEqual([devExample]);
    expect(loadStackConfig(editedStack("prod", () => undefined), "placeholder").serving).toEqual([]);
    expect(loadStackConfig(editedStack("local", () => undefined), "placeholder").serving).toEqual([]);
  });

  it("takes an entry that serves, with an adapter, in-context examples and evidence", () => {
    const entry = serving({
      adapter: "dfwbp/flywheel-llama-3-2-1b-instruct-6745a1b2c3d4e5f601234567@cust-7Hq2",
      iclExamplesFrom: evidence.runId,
      promotedFrom: { ...evidence, evalType: "customized-eval", forcedReason: "judge reviewed by hand" },
      scaleOn: { metric: "gpu_cache_usage_perc", target: 0.7 },
    });
    expect(loadStackConfig(withServing("dev", [entry], 1), "placeholder").serving).toEqual([entry]);
  });

  it("refuses replicas out of order, and min 0 with a max above 0", () => {
    expect(problems("dev", [serving({ replicas: { min: 2, max: 1 } })], 1)).toContain("data-flywheel:serving[0].replicas.min: must not exceed replicas.max (1), got 2");
    expect(problems("dev", [serving({ replicas: { min: 0, max: 1 } })], 1)).toEqual([
      "data-flywheel:serving[0].replicas.min: must be at least 1 when replicas.max is 1: the NIM operator 3.1.2 cannot scale to zero from an HPA (set max to 0 too to turn the entry off), got 0",
    ]);
    expect(problems("dev", [serving({ replicas: { min: -1, max: 1.5 } })], 1)).toEqual([
      "data-flywheel:serving[0].replicas.min: expected a value >= 0, got -1",
      "data-flywheel:serving[0].replicas.max: expected int, got 1.5",
    ]);
  });

  it.each([
    ["num_requests_waiting", 0],
    ["num_requests_waiting", 1001],
    ["gpu_cache_usage_perc", 1],
    ["gpu_cache_usage_perc", 0.01],
  ])("refuses the %s target %j, outside its range", (metric, target) => {
    expect(problems("dev", [serving({ scaleOn: { metric, target } })], 1)).toEqual([expect.stringMatching(new RegExp(`^data-flywheel:serving\\[0\\]\\.scaleOn\\.target: must lie between [\\d.]+ and [\\d.]+ for ${metric} `))]);
  });

  it("refuses a metric it does not scale on", () => {
    expect(problems("dev", [serving({ scaleOn: { metric: "num_requests_running", target: 4 } })], 1)).toEqual([
      'data-flywheel:serving[0].scaleOn.metric: expected one of "num_requests_waiting", "gpu_cache_usage_perc", got "num_requests_running"',
    ]);
  });

  it("refuses an adapter with a NIM LLM 2.x image, naming the key", () => {
    const adapter = "dfwbp/support@cust-7Hq2";
    expect(problems("dev", [serving({ image: { ...devExample.image, tag: "2.0.1" }, adapter, promotedFrom: { ...evidence, evalType: "customized-eval" } })], 1)).toEqual([
      'data-flywheel:serving[0].adapter: needs a NIM LLM 1.x image, and image.tag 2.0.1 is not one: NIM LLM 2.x loads LoRA adapters from a mounted directory, not from Entity Store, got "dfwbp/support@cust-7Hq2"',
    ]);
    expect(loadStackConfig(withServing("dev", [serving({ image: { ...devExample.image, tag: "2.0.1" } })], 1), "placeholder").serving[0]?.image.tag).toBe("2.0.1");
  });

  it.each(["support@cust-7Hq2", "dfwbp/support", "dfwbp/support@v1"])("refuses the adapter %j, not a customized model id", (adapter) => {
    expect(problems("dev", [serving({ adapter, promotedFrom: { ...evidence, evalType: "customized-eval" } })], 1)).toEqual([
      `data-flywheel:serving[0].adapter: expected a customized model id as Customizer returns it, namespace/name@cust-<id>, got ${JSON.stringify(adapter)}`,
    ]);
  });

  it("ties a customized-eval's evidence to the adapter it scored", () => {
    expect(problems("dev", [serving({ adapter: "dfwbp/support@cust-7Hq2" })], 1)).toEqual([
      'data-flywheel:serving[0].promotedFrom.evalType: must be customized-eval for an entry with an adapter: the scores must be the adapter\'s, got "base-eval"',
    ]);
    expect(problems("dev", [serving({ promotedFrom: { ...evidence, evalType: "customized-eval" } })], 1)).toEqual([
      'data-flywheel:serving[0].promotedFrom.evalType: is customized-eval, so the entry must serve that evaluation\'s adapter, got "customized-eval"',
    ]);
  });

  it("refuses a moving or missing image tag, as for candidates", () => {
    expect(problems("dev", [{ ...devExample, image: { ...devExample.image, tag: "latest" } }])).toEqual([
      'data-flywheel:serving[0].image.tag: must name one build, not a moving tag such as latest, got "latest"',
    ]);
    expect(problems("dev", [{ ...devExample, image: { repository: devExample.image.repository } }])).toEqual(["data-flywheel:serving[0].image.tag: is required (expected string)"]);
  });

  it("refuses an empty, repeated or platform client namespace list", () => {
    expect(problems("dev", [{ ...devExample, clientNamespaces: [] }])).toEqual([
      "data-flywheel:serving[0].clientNamespaces: must list at least one application namespace, or nothing may call the model, got []",
    ]);
    expect(problems("dev", [{ ...devExample, clientNamespaces: ["support-web", "support-web"] }])).toEqual(['data-flywheel:serving[0].clientNamespaces[1]: is listed twice, got "support-web"']);
    expect(problems("dev", [{ ...devExample, clientNamespaces: ["nemo"] }])).toEqual([
      expect.stringMatching(/^data-flywheel:serving\[0\]\.clientNamespaces\[0\]: "nemo" is one of the platform's own namespaces \(.*\), not a client's/),
    ]);
  });

  it("refuses names that repeat or are no DNS label", () => {
    expect(problems("dev", [devExample, devExample])).toEqual(['data-flywheel:serving[1].name: is used by another entry; serving names must be unique, got "customer-support"']);
    expect(problems("dev", [{ ...devExample, name: "Customer_Support" }])).toEqual([expect.stringMatching(/^data-flywheel:serving\[0\]\.name: expected a lower-case DNS label/)]);
  });

  it("needs evidence once an entry serves, and well-formed evidence whenever it is there", () => {
    expect(problems("dev", [serving({ promotedFrom: undefined })], 1)).toEqual([
      "data-flywheel:serving[0].promotedFrom: is required once the entry serves (replicas.max 1): the run, evaluation, scores and targets it was promoted on, which `flywheel promote` writes, got nothing",
    ]);
    expect(problems("dev", [serving({ promotedFrom: { ...evidence, runId: "run-1", evalType: "eval", scores: {}, at: "yesterday" } })], 1)).toEqual([
      'data-flywheel:serving[0].promotedFrom.runId: expected a run id (24 hexadecimal digits, as `flywheel runs list` shows it), got "run-1"',
      'data-flywheel:serving[0].promotedFrom.evalType: expected one of "base-eval", "icl-eval", "customized-eval", got "eval"',
      "data-flywheel:serving[0].promotedFrom.scores: must record at least one metric, got {}",
      'data-flywheel:serving[0].promotedFrom.at: expected an ISO 8601 time with a time zone, such as 2026-12-01T10:00:00Z, got "yesterday"',
    ]);
    expect(problems("dev", [serving({ promotedFrom: { ...evidence, scores: { accuracy: 1 } } })], 1)).toEqual([
      expect.stringMatching(/^data-flywheel:serving\[0\]\.promotedFrom\.scores\.accuracy: unknown key/),
      "data-flywheel:serving[0].promotedFrom.scores: must record at least one metric, got {}",
    ]);
  });

  it("serves in-context examples only through a deployed Flywheel API", () => {
    const withoutApi = editedStack("dev", (c: Config) => {
      c["data-flywheel:serving"] = [{ ...devExample, iclExamplesFrom: evidence.runId }];
      c["data-flywheel:flywheel"] = { ...(c["data-flywheel:flywheel"] as Config), api: { enabled: false } };
    });
    expect(() => loadStackConfig(withoutApi, "placeholder")).toThrow(
      'data-flywheel:serving[0].iclExamplesFrom: needs the Flywheel API, which serves the examples: flywheel.api.enabled is false, got "6745a1b2c3d4e5f601234567"',
    );
  });

  describe("an entry that scales needs the stack's own monitoring, whose prometheus-adapter serves its HPA the metric", () => {
    const refusal =
      "data-flywheel:serving[0].replicas: scales from 1 to 2 on num_requests_waiting, which needs the stack's own monitoring: platform.monitoring is external or off, " +
      'so no prometheus-adapter serves the HPA that metric; set replicas.min equal to replicas.max, or use the stack\'s monitoring, got {"min":1,"max":2}';

    it("refuses one on a stack with monitoring off", () => {
      expect(problems("local", [serving({ replicas: { min: 1, max: 2 } })])).toEqual([refusal]);
    });

    it("refuses one on a stack whose monitoring is an existing Prometheus Operator's", () => {
      const external = editedStack("dev", (c: Config) => {
        c["data-flywheel:serving"] = [serving({ replicas: { min: 1, max: 2 } })];
        c["data-flywheel:flywheel"] = { ...(c["data-flywheel:flywheel"] as Config), gpuBudget: 1 };
        c["data-flywheel:platform"] = { monitoring: { external: { releaseLabel: "cluster-prometheus" } } };
      });
      expect(() => loadStackConfig(external, "placeholder")).toThrow(refusal);
    });

    it("takes one with the stack's own monitoring, and a fixed replica count without it", () => {
      expect(loadStackConfig(withServing("dev", [serving({ replicas: { min: 1, max: 2 } })], 1), "placeholder").serving[0]?.replicas).toEqual({ min: 1, max: 2 });
      expect(loadStackConfig(withServing("local", [serving({ replicas: { min: 2, max: 2 } })]), "placeholder").serving[0]?.replicas).toEqual({ min: 2, max: 2 });
    });
  });

  describe("GPUs at max plus the flywheel's budget fit the inference pools at maxSize", () => {
    it("refuses an entry dev's pool has no room for, naming every key", () => {
      expect(problems("dev", [serving({ replicas: { min: 1, max: 2 } }), { ...devExample, name: "off" }])).toEqual([
        "data-flywheel:serving: needs 4 GPUs (serving[0].replicas.max 2 × 1 GPU + flywheel.gpuBudget 2), more than the inference pools' 3 at maxSize (aws.gpuNodePools[0].maxSize: 3); lower a replicas.max or flywheel.gpuBudget, or raise a pool's maxSize, got 4",
      ]);
    });

    it("counts GPUs per replica, and fits exactly", () => {
      expect(problems("dev", [serving({ gpus: 2 })], 2)[0]).toMatch(/^data-flywheel:serving: needs 4 GPUs \(serving\[0\]\.replicas\.max 1 × 2 GPU \+ flywheel\.gpuBudget 2\)/);
      expect(loadStackConfig(withServing("dev", [serving({ gpus: 2 })], 1), "placeholder").serving).toHaveLength(1);
    });

    it("checks nothing on an existing cluster, whose pools have no size in the stack file", () => {
      expect(loadStackConfig(withServing("local", [serving({ replicas: { min: 8, max: 8 } })]), "placeholder").serving[0]?.replicas.max).toBe(8);
    });
  });

  it("needs two replicas of an entry that serves in production, none of one that is off", () => {
    expect(problems("prod", [serving()], 4)).toEqual([
      "data-flywheel:serving[0].replicas.min: must be at least 2 in production for an entry that serves (or set min and max to 0 to turn it off), so a lost node does not stop it, got 1",
    ]);
    expect(loadStackConfig(withServing("prod", [serving({ replicas: { min: 2, max: 2 } }), { ...devExample, name: "off" }], 4), "placeholder").serving).toHaveLength(2);
  });
});
