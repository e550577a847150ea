import * as pulumi from "@pulumi/pulumi";
import { dataLimitsSchema, parseJobConfig } from "../../flywheel-job/src/contract";
import { loadStackConfig, StackConfigError } from "../../stacks/config/load";
import { shippedStacks } from "../../render/stack-files";
import { editedStack } from "../support/stack-config";

type Config = Record<string, unknown>;

/** The dev stack's `data-flywheel:aws` object, for edits. */
function aws(config: Config): { vpc: Config; cluster: Config & { endpoint: Config }; gpuNodePools: Config[]; systemNodes: Config } {
  return config["data-flywheel:aws"] as ReturnType<typeof aws>;
}

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof StackConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

function rejects(stack: string, edit: (config: Config) => void): readonly string[] {
  return problemsOf(() => loadStackConfig(editedStack(stack, edit), "placeholder"));
}

describe("shipped stack files", () => {
  it.each(shippedStacks())("%s validates", (stack) => {
    expect(() => loadStackConfig(editedStack(stack, () => undefined), "placeholder")).not.toThrow();
  });

  it("ships dev, prod and local", () => {
    expect(shippedStacks()).toEqual(["dev", "local", "prod"]);
  });

  it.each(shippedStacks())("%s opens nothing in data-flywheel:aws to the whole internet", (stack) => {
    const strings = (value: unknown): string[] =>
      typeof value === "string" ? [value] : value !== null && typeof value === "object" ? Object.values(value).flatMap(strings) : [];
    const config: Config = {};
    editedStack(stack, (c) => Object.assign(config, c));
    expect(strings(config["data-flywheel:aws"]).filter((s) => s.endsWith("/0"))).toEqual([]);
  });
});

describe("the public API endpoint", () => {
  const endpoint = (cidrs: string[]) => (c: Config) => (aws(c).cluster.endpoint = { publicAccess: true, publicAccessCidrs: cidrs });
  // dev as `pulumi up` sees it once its secrets and job image are set: only the endpoint can be wrong.
  const deployed = (edit: (c: Config) => void) => {
    const secrets = { "data-flywheel:ngcApiKey": "k", "data-flywheel:judgeApiKey": "j", "data-flywheel:embeddingApiKey": "e" };
    const withImage = (c: Config) => {
      edit(c);
      (c["data-flywheel:flywheel"] as Config).image = image;
    };
    return loadStackConfig(editedStack("dev", withImage, secrets), "fail");
  };

  it.each(["dev", "prod"])("is never open to the whole internet in %s", (stack) => {
    expect(rejects(stack, endpoint(["203.0.113.0/24", "0.0.0.0/0"]))).toContainEqual(
      'data-flywheel:aws.cluster.endpoint.publicAccessCidrs[1]: must not open the API endpoint to the whole internet: list the runner that deploys the stack and the admins\' networks, or turn publicAccess off, got "0.0.0.0/0"',
    );
  });

  it("lists at most the 40 CIDRs EKS accepts", () => {
    const cidrs = (n: number) => Array.from({ length: n }, (_, i) => `198.18.${i}.0/24`);
    expect(rejects("dev", endpoint(cidrs(41)))[0]).toMatch(/^data-flywheel:aws\.cluster\.endpoint\.publicAccessCidrs: expected a list with length <= 40, got \["198\.18\.0\.0\/24"/);
    expect(() => loadStackConfig(editedStack("dev", endpoint(cidrs(40))), "placeholder")).not.toThrow();
  });

  it("ships dev with a documentation range that a real deployment refuses, naming the key and what to put there", () => {
    expect(problemsOf(() => deployed(() => undefined))).toEqual([
      "data-flywheel:aws.cluster.endpoint.publicAccessCidrs[0]: 203.0.113.0/24 is a documentation range (RFC 5737) that no machine is in, a placeholder; " +
        "replace it in Pulumi.dev.yaml with the public egress address of the runner that deploys this stack and your admins' networks " +
        '(README, "Who may reach the API endpoint")',
    ]);
    // The offline render has nothing to reach: it takes the placeholder.
    expect(loadStackConfig(editedStack("dev", () => undefined), "placeholder").aws?.cluster.endpoint.publicAccessCidrs).toEqual(["203.0.113.0/24"]);
  });

  it("refuses an address inside any documentation range, and only those, on a real deployment", () => {
    const problems = problemsOf(() => deployed(endpoint(["198.51.100.7/32", "52.12.0.9/32", "192.0.2.0/25", "203.0.112.0/23"])));
    expect(problems.map((p) => p.split(":").slice(0, 2).join(":"))).toEqual([
      "data-flywheel:aws.cluster.endpoint.publicAccessCidrs[0]",
      "data-flywheel:aws.cluster.endpoint.publicAccessCidrs[2]",
    ]);
    expect(deployed(endpoint(["52.12.0.9/32", "52.12.0.10/32"])).aws?.cluster.endpoint.publicAccessCidrs).toEqual(["52.12.0.9/32", "52.12.0.10/32"]);
  });

  it("lets a private endpoint keep placeholder CIDRs it does not use", () => {
    expect(() => deployed((c) => (aws(c).cluster.endpoint = { publicAccess: false, publicAccessCidrs: ["203.0.113.0/24"] }))).not.toThrow();
  });
});

describe("a bad value names the key, the value and what was expected", () => {
  it("a wrong type", () => {
    expect(rejects("dev", (c) => (aws(c).gpuNodePools[0].minSize = "zero"))).toEqual([
      'data-flywheel:aws.gpuNodePools[0].minSize: expected number, got "zero"',
    ]);
  });

  it("a value outside an enumeration", () => {
    expect(rejects("dev", (c) => (c["data-flywheel:cloud"] = "gcp"))).toContainEqual(
      'data-flywheel:cloud: expected one of "aws", "existing", got "gcp"',
    );
  });

  it("an unquoted Kubernetes version", () => {
    expect(rejects("dev", (c) => (aws(c).cluster.kubernetesVersion = 1.34))).toEqual([
      'data-flywheel:aws.cluster.kubernetesVersion: expected the string "1.34", got the number 1.34 (quote it in YAML)',
    ]);
  });

  it("an unsupported Kubernetes version", () => {
    expect(rejects("dev", (c) => (aws(c).cluster.kubernetesVersion = "1.27"))[0]).toMatch(
      /^data-flywheel:aws\.cluster\.kubernetesVersion: expected one of "1\.\d\d".*, got "1\.27"$/,
    );
  });

  it("an invalid CIDR", () => {
    expect(rejects("dev", (c) => (aws(c).vpc.cidr = "10.0.0.0"))[0]).toMatch(/^data-flywheel:aws\.vpc\.cidr: expected an IPv4 CIDR.*got "10\.0\.0\.0"$/);
  });

  it("a VPC too small for per-zone subnets", () => {
    expect(rejects("dev", (c) => (aws(c).vpc.cidr = "10.0.0.0/24"))[0]).toMatch(/^data-flywheel:aws\.vpc\.cidr: expected a VPC CIDR between \/16 and \/20/);
  });

  it("a control-plane CIDR that is not an IPv4 CIDR", () => {
    const local = (cidrs: unknown) => (c: Config) => (c["data-flywheel:existingCluster"] = { ...(c["data-flywheel:existingCluster"] as Config | undefined), controlPlaneCidrs: cidrs });
    expect(rejects("local", local(["172.18.0.0/16", "172.18.0.0"]))).toEqual([
      'data-flywheel:existingCluster.controlPlaneCidrs[1]: expected an IPv4 CIDR such as 10.0.0.0/16, got "172.18.0.0"',
    ]);
    expect(rejects("local", local([]))[0]).toMatch(/^data-flywheel:existingCluster\.controlPlaneCidrs: /);
    expect(loadStackConfig(editedStack("local", local(["172.18.0.0/16"])), "placeholder").existingCluster?.controlPlaneCidrs).toEqual(["172.18.0.0/16"]);
    // Unset: the private ranges, where kind's, minikube's and kubeadm's control planes usually are.
    expect(loadStackConfig(editedStack("local", () => undefined), "placeholder").existingCluster?.controlPlaneCidrs).toEqual(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);
  });

  it("a log writer namespace that is not a namespace name, or is one of the platform's own", () => {
    const writers = (names: string[]) => (c: Config) => (c["data-flywheel:platform"] = { elasticsearch: { logWriterNamespaces: names } });
    expect(rejects("dev", writers(["shop", "Shop_Front"]))).toEqual([
      'data-flywheel:platform.elasticsearch.logWriterNamespaces[1]: expected a namespace name (a DNS-1123 label), got "Shop_Front"',
    ]);
    expect(rejects("dev", writers(["nemo"]))[0]).toMatch(
      /^data-flywheel:platform\.elasticsearch\.logWriterNamespaces\[0\]: "nemo" is one of the platform's own namespaces \(gpu-operator, .*flywheel, serving.*\), not an application's/,
    );
    expect(() => loadStackConfig(editedStack("dev", writers(["shop"])), "placeholder")).not.toThrow();
  });

  it("an instance type that is not a GPU type", () => {
    expect(rejects("dev", (c) => (aws(c).gpuNodePools[0].instanceTypes = ["m6i.large"]))[0]).toMatch(
      /^data-flywheel:aws\.gpuNodePools\[0\]\.instanceTypes\[0\]: is not a GPU instance type this project knows .*got "m6i\.large"$/,
    );
  });

  it("instance types of different GPU shapes in one pool", () => {
    expect(rejects("dev", (c) => (aws(c).gpuNodePools[0].instanceTypes = ["g6.2xlarge", "g6e.2xlarge"]))[0]).toMatch(
      /^data-flywheel:aws\.gpuNodePools\[0\]\.instanceTypes\[1\]: has 1× NVIDIA-L40S but g6\.2xlarge has 1× NVIDIA-L4/,
    );
  });

  it("a minimum above the maximum", () => {
    expect(rejects("dev", (c) => Object.assign(aws(c).gpuNodePools[0], { minSize: 3, maxSize: 2 }))).toEqual([
      "data-flywheel:aws.gpuNodePools[0].minSize: must not exceed maxSize (2), got 3",
    ]);
  });

  it("a desired size outside min..max", () => {
    expect(rejects("dev", (c) => (aws(c).systemNodes.desiredSize = 9))).toEqual([
      "data-flywheel:aws.systemNodes.desiredSize: must lie between minSize (1) and maxSize (3), got 9",
    ]);
  });

  it("two GPU pools with one name", () => {
    expect(rejects("prod", (c) => (aws(c).gpuNodePools[1].name = "inference"))).toEqual([
      'data-flywheel:aws.gpuNodePools[1].name: is used by another pool; pool names must be unique, got "inference"',
    ]);
  });

  it("a zone of another region", () => {
    expect(rejects("dev", (c) => (aws(c).vpc.availabilityZones = ["eu-west-1a", "eu-west-1b"]))).toEqual([
      'data-flywheel:aws.vpc.availabilityZones[0]: expected a zone of aws:region us-west-2, got "eu-west-1a"',
      'data-flywheel:aws.vpc.availabilityZones[1]: expected a zone of aws:region us-west-2, got "eu-west-1b"',
    ]);
  });

  it("a GPU pool pinned to a zone the VPC does not span", () => {
    expect(rejects("dev", (c) => (aws(c).gpuNodePools[0].availabilityZone = "us-west-2c"))[0]).toMatch(
      /^data-flywheel:aws\.gpuNodePools\[0\]\.availabilityZone: must be one of aws\.vpc\.availabilityZones \(us-west-2a, us-west-2b\), got "us-west-2c"$/,
    );
  });

  it("aws settings on a bring-your-own-cluster stack", () => {
    expect(rejects("local", (c) => (c["data-flywheel:aws"] = aws(editedStackConfig("dev"))))).toContainEqual(
      'data-flywheel:aws: only applies when cloud is aws, got "(set)"',
    );
  });

  it("an AWS stack without aws settings or region", () => {
    const problems = rejects("dev", (c) => {
      c["data-flywheel:aws"] = undefined;
      c["aws:region"] = undefined;
    });
    expect(problems).toContainEqual("data-flywheel:aws: is required when cloud is aws, got nothing");
  });

  it("an AWS stack without aws:region", () => {
    expect(rejects("dev", (c) => (c["aws:region"] = undefined))).toEqual([
      "aws:region: is required when data-flywheel:cloud is aws; run `pulumi config set aws:region <region> --stack dev`",
    ]);
  });

  it("structured configuration that is not JSON", () => {
    expect(rejects("dev", (c) => (c["data-flywheel:aws"] = "{vpc: "))[0]).toMatch(/^data-flywheel:aws: is not valid structured configuration/);
  });

  it("every problem at once", () => {
    const problems = rejects("dev", (c) => {
      aws(c).gpuNodePools[0].minSize = -1;
      aws(c).systemNodes.diskSizeGiB = "big";
    });
    expect(problems.map((p) => p.split(":").slice(0, 2).join(":"))).toEqual([
      "data-flywheel:aws.systemNodes.diskSizeGiB",
      "data-flywheel:aws.gpuNodePools[0].minSize",
    ]);
  });
});

function editedStackConfig(stack: string): Config {
  let copy: Config = {};
  editedStack(stack, (c) => (copy = c));
  return copy;
}

describe("unknown keys are errors, with the likely intended key", () => {
  it("a misspelt nested key", () => {
    expect(
      rejects("dev", (c) => {
        const pool = aws(c).gpuNodePools[0];
        pool.instanceType = pool.instanceTypes;
        delete pool.instanceTypes;
      }),
    ).toEqual([
      "data-flywheel:aws.gpuNodePools[0].instanceTypes: is required (expected array)",
      'data-flywheel:aws.gpuNodePools[0].instanceType: unknown key (did you mean "instanceTypes"?)',
    ]);
  });

  it("a misspelt top-level key", () => {
    expect(rejects("local", (c) => (c["data-flywheel:enviroment"] = "production"))).toEqual([
      'data-flywheel:enviroment: unknown key (did you mean "environment"?)',
    ]);
  });

  it("a key nothing resembles lists the known keys", () => {
    expect(rejects("dev", (c) => (aws(c).vpc.dhcpOptions = true))).toEqual([
      "data-flywheel:aws.vpc.dhcpOptions: unknown key (known keys: cidr, availabilityZones, natGateways, flowLogs)",
    ]);
  });

  it("other namespaces pass through", () => {
    const source = editedStack("dev", (c) => (c["kubernetes:enableServerSideApply"] = "true"));
    expect(() => loadStackConfig(source, "placeholder")).not.toThrow();
  });
});

describe("platform and models", () => {
  const models = (c: Config): { judge: Config; candidates: Config[] } => c["data-flywheel:models"] as ReturnType<typeof models>;

  it("refuses a moving image tag", () => {
    expect(rejects("dev", (c) => ((models(c).candidates[0].image as Config).tag = "latest"))).toEqual([
      'data-flywheel:models.candidates[0].image.tag: must name one build, not a moving tag such as latest, got "latest"',
    ]);
  });

  it("refuses a MongoDB replica set the operator's construct would refuse, at load", () => {
    expect(rejects("dev", (c) => (c["data-flywheel:platform"] = { mongodb: { members: 2 } }))).toEqual([
      "data-flywheel:platform.mongodb.members: must be 1, 3, 5 or 7 (an odd number of voting members keeps a majority), got 2",
    ]);
  });

  it("refuses a candidate listed twice", () => {
    expect(rejects("dev", (c) => models(c).candidates.push(models(c).candidates[0]))).toEqual([
      'data-flywheel:models.candidates[1].name: is listed twice, got "meta/llama-3.2-1b-instruct"',
    ]);
  });

  it("names the judge type it expected", () => {
    expect(rejects("dev", (c) => (models(c).judge.type = "hosted"))[0]).toMatch(/^data-flywheel:models\.judge\.type: /);
  });

  it("suggests keys of the chosen judge kind", () => {
    expect(rejects("dev", (c) => (models(c).judge.modle = "x"))).toEqual(['data-flywheel:models.judge.modle: unknown key (did you mean "model"?)']);
  });

  it("requires every stack to name its models", () => {
    expect(rejects("local", (c) => (c["data-flywheel:models"] = undefined))).toEqual(["data-flywheel:models: is required (expected object)"]);
  });

  it("keeps RDS to stacks on AWS, and Multi-AZ in production", () => {
    const rds = { instanceClass: "db.m7g.large", engineVersion: "16" };
    expect(rejects("local", (c) => (c["data-flywheel:platform"] = { postgres: { rds } }))).toEqual([
      'data-flywheel:platform.postgres.rds: needs cloud aws, got "(set)"',
    ]);
    expect(rejects("prod", (c) => (((c["data-flywheel:platform"] as Config).postgres as Config).rds = { ...rds, multiAz: false }))).toEqual([
      "data-flywheel:platform.postgres.rds.multiAz: must be true in production, got false",
    ]);
  });

  it("keeps snapshots to stacks that can create the bucket", () => {
    expect(rejects("local", (c) => (c["data-flywheel:platform"] = { elasticsearch: { snapshots: true } }))).toEqual([
      "data-flywheel:platform.elasticsearch.snapshots: needs cloud aws (the snapshot repository is an S3 bucket this stack creates), got true",
    ]);
  });

  it("refuses a snapshot bucket while snapshots are off, and a snapshot retention under a day, naming the key", () => {
    const elasticsearch = (c: Config) => ((c["data-flywheel:platform"] as Config).elasticsearch as Config);
    expect(rejects("prod", (c) => Object.assign(elasticsearch(c), { snapshots: false, snapshotBucket: "acme-flywheel-log-snapshots" }))).toEqual([
      'data-flywheel:platform.elasticsearch.snapshotBucket: names a snapshot bucket, but snapshots are off: set platform.elasticsearch.snapshots: true as well (or remove snapshotBucket), got "acme-flywheel-log-snapshots"',
    ]);
    expect(rejects("prod", (c) => (elasticsearch(c).snapshotRetentionDays = 0))).toEqual(["data-flywheel:platform.elasticsearch.snapshotRetentionDays: expected a value >= 1, got 0"]);
  });
});

const image = `ghcr.io/acme/flywheel-job@sha256:${"a".repeat(64)}`;

/** A runner's egress address where the dev stack file has its placeholder, which a real deployment refuses. */
const reachable = (c: Config): void => void (aws(c).cluster.endpoint.publicAccessCidrs = ["52.12.0.9/32"]);

describe("workloads", () => {
  const workloads = (c: Config): Config[] => c["data-flywheel:workloads"] as Config[];
  const candidates = (c: Config): Config[] => workloads(c)[0].candidates as Config[];

  it("a real deployment needs the job image pinned by digest", () => {
    const secrets = { "data-flywheel:ngcApiKey": "k", "data-flywheel:judgeApiKey": "j", "data-flywheel:embeddingApiKey": "e" };
    expect(problemsOf(() => loadStackConfig(editedStack("dev", reachable, secrets), "fail"))).toEqual([
      'data-flywheel:flywheel.image: is required to schedule workloads; build and push the job image (README, "The job image"), ' +
        "then run `pulumi config set --path flywheel.image <registry>/<repository>@sha256:<digest> --stack dev`",
    ]);
  });

  it("refuses a job image pinned by tag only", () => {
    expect(rejects("dev", (c) => ((c["data-flywheel:flywheel"] as Config).image = "ghcr.io/acme/flywheel-job:1.0"))[0]).toMatch(
      /^data-flywheel:flywheel\.image: expected an image pinned by digest/,
    );
  });

  it("refuses a candidate the models section does not list", () => {
    expect(rejects("dev", (c) => (candidates(c)[0].model = "meta/llama-9b"))).toEqual([
      'data-flywheel:workloads[0].candidates[0].model: is not in models.candidates (meta/llama-3.2-1b-instruct), got "meta/llama-9b"',
    ]);
  });

  it("refuses fine-tuning without a training pool", () => {
    expect(rejects("dev", (c) => (candidates(c)[0].customize = true))).toEqual([
      "data-flywheel:workloads[0].candidates[0].customize: needs a GPU pool with role training to run the fine-tuning on, got true",
    ]);
  });

  it("refuses fine-tuning a model without customization settings", () => {
    const problems = rejects("prod", (c) => {
      c["data-flywheel:workloads"] = [{ workloadId: "w", clientId: "c", schedule: "0 3 * * 1", candidates: [{ model: "meta/llama-3.1-8b-instruct", customize: true }], targets: { similarity: 0.9 } }];
    });
    expect(problems).toEqual(['data-flywheel:workloads[0].candidates[0].customize: needs models.candidates "meta/llama-3.1-8b-instruct" to have a customization section, got true']);
  });

  it("refuses a schedule that is not cron", () => {
    expect(rejects("dev", (c) => (workloads(c)[0].schedule = "weekly"))[0]).toMatch(/^data-flywheel:workloads\[0\]\.schedule: expected a cron schedule with five fields/);
  });

  it("refuses a workload without any target", () => {
    expect(rejects("dev", (c) => (workloads(c)[0].targets = {}))).toEqual([
      "data-flywheel:workloads[0].targets: must set at least one target, or no candidate can ever be promotable, got {}",
    ]);
  });

  describe("logWriters", () => {
    const withWriters = (logWriters: unknown) => (c: Config) => {
      c["data-flywheel:platform"] = { elasticsearch: { logWriterNamespaces: ["shop", "support"] } };
      workloads(c)[0].logWriters = logWriters;
    };
    const writersOf = (edit: (c: Config) => void) => loadStackConfig(editedStack("dev", edit), "placeholder").schedules?.workloads[0].jobConfig.logs?.writers;

    it("reads the writer users of the namespaces a workload names, and of every writer namespace when it names none", () => {
      expect(writersOf(withWriters(["support"]))).toEqual(["log-writer-support"]);
      expect(writersOf(withWriters(undefined))).toEqual(["log-writer-shop", "log-writer-support"]);
      // No writer namespace, no writer user to filter by: only an operator can have written the
      // documents (e.g. the sample logs), and a run reads them all.
      expect(writersOf(() => undefined)).toBeUndefined();
    });

    it("refuses a namespace that is not a writer namespace, naming its key", () => {
      expect(rejects("dev", withWriters(["shop", "billing"]))).toEqual([
        'data-flywheel:workloads[0].logWriters[1]: is not in platform.elasticsearch.logWriterNamespaces (shop, support), so nothing it writes exists, got "billing"',
      ]);
      expect(rejects("dev", (c) => (workloads(c)[0].logWriters = ["shop"]))).toEqual([
        'data-flywheel:workloads[0].logWriters[0]: is not in platform.elasticsearch.logWriterNamespaces (none), so nothing it writes exists, got "shop"',
      ]);
    });

    it("refuses an empty list, which would read nothing", () => {
      expect(rejects("dev", withWriters([]))).toEqual(["data-flywheel:workloads[0].logWriters: expected a list with length >= 1, got []"]);
    });
  });

  it("passes the data.limits a stack file sets to the job, which fills in its own defaults, and refuses a bound the job would", () => {
    const config = loadStackConfig(editedStack("dev", (c) => (workloads(c)[0].data = { limits: { maxDepth: 32, maxRecordBytes: 65536 } })), "placeholder");
    const [schedule] = config.schedules?.workloads ?? [];
    expect(schedule.jobConfig.data).toEqual({ limits: { maxDepth: 32, maxRecordBytes: 65536 } });
    expect(parseJobConfig(schedule.jobConfig, "dev's job config").data.limits).toEqual(dataLimitsSchema.parse({ maxDepth: 32, maxRecordBytes: 65536 }));
    expect(loadStackConfig(editedStack("dev", (c) => (workloads(c)[0].data = { limit: 500 })), "placeholder").workloads[0].data?.limits).toBeUndefined();
    expect(rejects("dev", (c) => (workloads(c)[0].data = { limits: { maxDepth: 4, maxDeph: 8 } }))).toEqual([
      "data-flywheel:workloads[0].data.limits.maxDepth: expected a value >= 16, got 4",
      'data-flywheel:workloads[0].data.limits.maxDeph: unknown key (did you mean "maxDepth"?)',
    ]);
  });

  it("validates each workload's job configuration with the job's own parser, naming the stack key", () => {
    // The job refuses these only across keys; the stack schema alone accepted them and the first error came days later, in a Job's log.
    expect(rejects("dev", (c) => (workloads(c)[0].data = { evalSize: 5000 }))).toEqual([
      "data-flywheel:workloads[0].data.evalSize: must be smaller than data.limit (1000), or nothing is left to train on, got 5000",
    ]);
    expect(rejects("dev", (c) => (workloads(c)[0].data = { limit: 10, minTotalRecords: 50 }))).toEqual([
      "data-flywheel:workloads[0].data.evalSize: must be smaller than data.limit (10), or nothing is left to train on, got 20",
      "data-flywheel:workloads[0].data.minTotalRecords: must not exceed twice data.limit (20), the most records a run pulls, got 50",
    ]);
    // A model's setting renamed on the way (name → model, customization.gpus → trainingGpus) is named as the stack file writes it.
    expect(
      rejects("dev", (c) => {
        const models = c["data-flywheel:models"] as { candidates: Config[] };
        models.candidates[0].gpus = 4;
      }),
    ).toEqual(["data-flywheel:models.candidates[0].gpus: needs more GPUs than gpuBudget.gpus (2) allows, so it could never be deployed, got 4"]);
  });

  it("gives each workload's CronJob the job configuration it validated", () => {
    const config = loadStackConfig(editedStack("dev", () => undefined), "placeholder");
    expect(config.schedules?.workloads.map((w) => [w.schedule, w.jobConfig.workloadId, w.jobConfig.clientId])).toEqual([["0 3 * * 1", "customer-support", "support-web"]]);
    expect(loadStackConfig(editedStack("prod", () => undefined), "placeholder").schedules).toBeUndefined();
  });

  it("refuses the same workload twice", () => {
    expect(rejects("dev", (c) => workloads(c).push(workloads(c)[0]))).toEqual([
      'data-flywheel:workloads[1]: repeats another workload\'s workloadId and clientId, got "customer-support/support-web"',
    ]);
  });
});

describe("flywheel.api", () => {
  const api = (c: Config): Config => (c["data-flywheel:flywheel"] as { api: Config }).api;
  // Prod reads its credentials from AWS Secrets Manager: a real deployment needs no Pulumi secret.
  const prodSecrets = {};

  it("deploys the API by default, with the contract's start timeout and no client namespace", () => {
    const config = loadStackConfig(editedStack("local", (c) => delete (c["data-flywheel:flywheel"] as Config).api), "placeholder");
    expect(config.flywheel.api).toEqual({ enabled: true, replicas: 1, clientNamespaces: [] });
    expect(config.flywheel.startTimeoutMinutes).toBe(15);
    expect(config.jobImage).toBeDefined();
  });

  it("runs two replicas in the prod stack file", () => {
    expect(loadStackConfig(editedStack("prod", () => undefined), "placeholder").flywheel.api.replicas).toBe(2);
  });

  it("needs the job image for a real deployment of the API, even without workloads", () => {
    expect(problemsOf(() => loadStackConfig(editedStack("prod", () => undefined, prodSecrets), "fail"))).toEqual([
      'data-flywheel:flywheel.image: is required to run the Flywheel API (flywheel.api.enabled); build and push the job image (README, "The job image"), ' +
        "then run `pulumi config set --path flywheel.image <registry>/<repository>@sha256:<digest> --stack prod`",
    ]);
    const disabled = loadStackConfig(editedStack("prod", (c) => (api(c).enabled = false), prodSecrets), "fail");
    expect(disabled.jobImage).toBeUndefined();
  });

  it("needs the job image for the verify Job of served models, even without workloads or the API", () => {
    const off = { name: "support", model: "meta/llama-3.2-1b-instruct", image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.12.0" }, replicas: { min: 0, max: 0 }, scaleOn: { metric: "num_requests_waiting", target: 4 }, clientNamespaces: ["support-web"] };
    const serving = (c: Config): void => {
      api(c).enabled = false;
      c["data-flywheel:serving"] = [off];
    };
    expect(problemsOf(() => loadStackConfig(editedStack("prod", serving, prodSecrets), "fail"))).toEqual([
      "data-flywheel:flywheel.image: is required to verify the served models (data-flywheel:serving runs `flywheel verify serving` from it); " +
        'build and push the job image (README, "The job image"), then run `pulumi config set --path flywheel.image <registry>/<repository>@sha256:<digest> --stack prod`',
    ]);
    expect(loadStackConfig(editedStack("prod", serving, prodSecrets), "placeholder").jobImage).toBeDefined();
  });

  it("refuses a replica count below one", () => {
    expect(rejects("dev", (c) => (api(c).replicas = 0))).toEqual(["data-flywheel:flywheel.api.replicas: expected a value >= 1, got 0"]);
  });

  it("refuses a client namespace that is not a namespace name, or is one of the platform's own", () => {
    expect(rejects("dev", (c) => (api(c).clientNamespaces = ["Shop_Front"]))).toEqual([
      'data-flywheel:flywheel.api.clientNamespaces[0]: expected a namespace name (a DNS-1123 label), got "Shop_Front"',
    ]);
    expect(rejects("dev", (c) => (api(c).clientNamespaces = ["nemo"]))[0]).toMatch(
      /^data-flywheel:flywheel\.api\.clientNamespaces\[0\]: "nemo" is one of the platform's own namespaces \(.*\), not a client's/,
    );
  });

  it("needs the ingress controller's namespace with an Ingress, and a host name", () => {
    expect(rejects("dev", (c) => (api(c).ingress = { host: "flywheel.example.com", tlsSecretName: "flywheel-api-tls" }))[0]).toMatch(
      /^data-flywheel:flywheel\.api\.ingress\.controllerNamespace: /,
    );
    expect(rejects("dev", (c) => (api(c).ingress = { host: "flywheel", tlsSecretName: "flywheel-api-tls", controllerNamespace: "ingress-nginx" }))).toEqual([
      'data-flywheel:flywheel.api.ingress.host: expected a fully qualified DNS name in lower case, such as flywheel.example.com, got "flywheel"',
    ]);
  });

  it("refuses a request above its limit, naming the key", () => {
    const resources = { requests: { cpu: "2", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } };
    expect(rejects("dev", (c) => (api(c).resources = resources))).toEqual(['data-flywheel:flywheel.api.resources.requests.cpu: must not exceed resources.limits.cpu (1), got "2"']);
  });

  it("refuses a start timeout that is not a whole number of minutes", () => {
    expect(rejects("dev", (c) => ((c["data-flywheel:flywheel"] as Config).startTimeoutMinutes = 2.5))[0]).toMatch(/^data-flywheel:flywheel\.startTimeoutMinutes: /);
  });
});

describe("cluster access", () => {
  it("requires at least one admin or CI role, since nothing else can reach the cluster", () => {
    const problems = rejects("dev", (c) => {
      aws(c).cluster.adminRoleArns = [];
      aws(c).cluster.ciRoleArns = [];
    });
    expect(problems[0]).toMatch(/^data-flywheel:aws\.cluster\.adminRoleArns: must list at least one role \(here or in ciRoleArns\)/);
  });
});

describe("production rules", () => {
  it("requires data services that survive the loss of a node", () => {
    const problems = rejects("prod", (c) => (c["data-flywheel:platform"] = {}));
    expect(problems).toEqual([
      "data-flywheel:platform.elasticsearch.nodes: must be at least 3 in production, got 1",
      "data-flywheel:platform.mongodb.members: must be at least 3 in production, so a majority survives a lost member, got 1",
      "data-flywheel:platform.redis.persistence: must be true in production, got false",
      "data-flywheel:platform.monitoring.prometheus.replicas: must be at least 2 in production, so metrics and alerts survive a lost node, got 1",
      "data-flywheel:platform.postgres.instances: must be at least 3 in production (a primary and two replicas), or use postgres.rds, got 1",
    ]);
  });

  it("accepts a public endpoint restricted to known CIDRs", () => {
    const source = editedStack("prod", (c) => (aws(c).cluster.endpoint = { publicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }));
    expect(() => loadStackConfig(source, "placeholder")).not.toThrow();
  });

  it("requires KMS encryption of Secrets, control-plane logs and a NAT gateway per zone", () => {
    const problems = rejects("prod", (c) => {
      aws(c).cluster.secretsEncryption = false;
      aws(c).cluster.controlPlaneLogTypes = [];
      aws(c).vpc.natGateways = "single";
    });
    expect(problems.map((p) => p.split(":").slice(0, 2).join(":"))).toEqual([
      "data-flywheel:aws.cluster.secretsEncryption",
      "data-flywheel:aws.cluster.controlPlaneLogTypes",
      "data-flywheel:aws.vpc.natGateways",
    ]);
  });
});

describe("secrets", () => {
  it("refuses a secret stored in plaintext in the stack file", () => {
    expect(rejects("dev", (c) => (c["data-flywheel:ngcApiKey"] = "nvapi-plaintext"))).toEqual([
      "data-flywheel:ngcApiKey: is stored in plaintext in Pulumi.dev.yaml; delete it there and run `pulumi config set --secret ngcApiKey <value> --stack dev`",
    ]);
  });

  // Prod ships with AWS Secrets Manager; taking its secrets section out puts it on Pulumi config.
  const withImage = (c: Config): void => void ((c["data-flywheel:flywheel"] as Config).image = image);
  const onPulumiConfig = (c: Config): void => {
    withImage(c);
    c["data-flywheel:secrets"] = undefined;
  };

  it("a real deployment without a required secret stops, naming each key and the command", () => {
    expect(problemsOf(() => loadStackConfig(editedStack("prod", onPulumiConfig), "fail"))).toEqual([
      "data-flywheel:ngcApiKey: is required (NGC API key: pulls NIM and NeMo images from nvcr.io and model weights from NGC); " +
        "run `pulumi config set --secret ngcApiKey <value> --stack prod`",
      "data-flywheel:judgeApiKey: is required (API key of the remote judge endpoint (models.judge.url)); " +
        "run `pulumi config set --secret judgeApiKey <value> --stack prod`",
    ]);
  });

  it("asks for a model's API key only when the model is remote", () => {
    const source = editedStack("prod", onPulumiConfig, { "data-flywheel:ngcApiKey": "nvapi-real", "data-flywheel:judgeApiKey": "k" });
    expect(() => loadStackConfig(source, "fail")).not.toThrow();
  });

  it("a set secret reaches the program as a Pulumi secret", async () => {
    const secrets = { "data-flywheel:ngcApiKey": "nvapi-real", "data-flywheel:judgeApiKey": "j", "data-flywheel:embeddingApiKey": "e" };
    const config = loadStackConfig(
      editedStack(
        "dev",
        (c) => {
          withImage(c);
          reachable(c);
        },
        secrets,
      ),
      "fail",
    );
    if (config.credentials.source !== "pulumi") {
      throw new Error("dev reads its credentials from Pulumi config");
    }
    const key = config.credentials.values.ngcApiKey;
    expect(key).toBeDefined();
    expect(await pulumi.isSecret(key)).toBe(true);
  });

  it("the offline render uses a placeholder that is still a secret", async () => {
    const config = loadStackConfig(editedStack("dev", () => undefined), "placeholder");
    expect(config.credentials.source).toBe("pulumi");
    expect(config.credentials.source === "pulumi" && (await pulumi.isSecret(config.credentials.values.ngcApiKey))).toBe(true);
  });

  it("passes on no key the stack never reads", () => {
    const secrets = { "data-flywheel:ngcApiKey": "k", "data-flywheel:judgeApiKey": "j", "data-flywheel:embeddingApiKey": "e" };
    const config = loadStackConfig(editedStack("prod", onPulumiConfig, secrets), "fail");
    // Prod's embedding model is a local NIM: its key would reach nothing.
    expect(config.credentials.source === "pulumi" && Object.keys(config.credentials.values).sort()).toEqual(["judgeApiKey", "ngcApiKey"]);
  });

  it("refuses a secret value under a key that is not a secret setting", () => {
    const source = editedStack("local", () => undefined, { "data-flywheel:environment": "development" });
    expect(problemsOf(() => loadStackConfig(source, "placeholder"))).toContainEqual(
      "data-flywheel:environment: is stored as a secret but is not a secret setting; store it as plain configuration",
    );
  });
});

describe("secrets from AWS Secrets Manager", () => {
  const withImage = (c: Config): void => void ((c["data-flywheel:flywheel"] as Config).image = image);
  const names = (c: Config): Config => (c["data-flywheel:secrets"] as { names: Config }).names;
  const prodWith = (edit: (c: Config) => void) => (c: Config) => {
    withImage(c);
    edit(c);
  };

  it("prod as shipped deploys with no secret in Pulumi config: names only", () => {
    const config = loadStackConfig(editedStack("prod", withImage), "fail");
    expect(config.credentials).toEqual({
      source: "aws-secrets-manager",
      names: { ngcApiKey: "data-flywheel/prod/ngc-api-key", judgeApiKey: "data-flywheel/prod/judge-api-key" },
      refreshInterval: "1h",
    });
  });

  it("refuses a missing name of a required credential, naming its key", () => {
    expect(problemsOf(() => loadStackConfig(editedStack("prod", prodWith((c) => delete names(c).judgeApiKey)), "fail"))).toEqual([
      "data-flywheel:secrets.names.judgeApiKey: is required (API key of the remote judge endpoint (models.judge.url)); name the AWS Secrets Manager secret that holds it",
    ]);
  });

  it.each([
    ["a character AWS refuses", "data flywheel/ngc"],
    ["an empty name", ""],
    ["a name longer than 512 characters", "a".repeat(513)],
  ])("refuses %s, naming the key", (_, name) => {
    expect(rejects("prod", (c) => (names(c).ngcApiKey = name))).toEqual([
      expect.stringMatching(/^data-flywheel:secrets\.names\.ngcApiKey: expected an AWS Secrets Manager secret name: 1 to 512 of A-Z, a-z, 0-9 and \/_\+=\.@-, got "/),
    ]);
  });

  it("accepts every character AWS allows, up to 512", () => {
    expect(() => loadStackConfig(editedStack("prod", (c) => (names(c).ngcApiKey = `team/a_b+c=d.e@f-${"x".repeat(495)}`)), "placeholder")).not.toThrow();
  });

  it("refuses a name for a credential the stack never reads: the operator would be allowed to read it", () => {
    expect(rejects("prod", (c) => (names(c).embeddingApiKey = "data-flywheel/prod/embedding"))).toEqual([
      'data-flywheel:secrets.names.embeddingApiKey: names "data-flywheel/prod/embedding", which this stack never reads ' +
        "(API key of the remote embedding endpoint (models.embedding.url)); remove it, or the operator may read a secret for nothing",
    ]);
  });

  it("refuses a credential also stored in Pulumi config: one source only", () => {
    const source = editedStack("prod", withImage, { "data-flywheel:ngcApiKey": "nvapi-real" });
    expect(problemsOf(() => loadStackConfig(source, "fail"))).toEqual([
      'data-flywheel:ngcApiKey: is stored in Pulumi config, but secrets.source is aws-secrets-manager, where "data-flywheel/prod/ngc-api-key" holds it; ' +
        "run `pulumi config rm ngcApiKey --stack prod`",
    ]);
  });

  it("refuses an unknown credential name and a refresh faster than a minute", () => {
    expect(
      rejects("prod", (c) => {
        names(c).hfToken = "x";
        (c["data-flywheel:secrets"] as Config).refreshInterval = "10s";
      }),
    ).toEqual([
      expect.stringMatching(/^data-flywheel:secrets\.names\.hfToken: unknown key/),
      'data-flywheel:secrets.refreshInterval: expected a whole number of minutes or hours such as 30m or 1h, got "10s"',
    ]);
  });

  it("needs an EKS cluster: on a cluster you bring the operator has no identity to read with", () => {
    const local = (c: Config): void => void (c["data-flywheel:secrets"] = { source: "aws-secrets-manager", names: { ngcApiKey: "ngc" } });
    expect(rejects("local", local)).toContainEqual(
      'data-flywheel:secrets.source: needs cloud aws: the operator reads the secrets with an EKS Pod Identity this stack creates (on a cluster you bring, use source pulumi), got "aws-secrets-manager"',
    );
  });
});
