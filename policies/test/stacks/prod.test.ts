import { parseImage } from "../../lib/images";
import { isKind, kubernetesObjectOf } from "../../lib/kubernetes";
import type { KubernetesObject } from "../../lib/kubernetes-object";
import { podTemplatesOf, type Container } from "../../lib/workloads";
import type { ReviewedResource } from "../../offline/dist";
import { configMap, flywheelCronJob } from "../support/fixtures";
import { addedMandatoryLines, asReviewed, changed, mandatoryLines, renderForReview, violationsOf, type RenderedForReview } from "../support/stack-review";

let prod: RenderedForReview;

beforeAll(async () => {
  prod = await renderForReview("prod");
});

const objectOf = (r: ReviewedResource): KubernetesObject | undefined => kubernetesObjectOf(r.type, r.props);

/**
 * The stack's own object that `matches`, or, while the stack has none yet, the fixture added to it:
 * each break is made to a real object of the render whenever there is one.
 */
function subject(matches: (object: KubernetesObject) => boolean, fixture: KubernetesObject): { resources: ReviewedResource[]; name: string; is: (r: ReviewedResource) => boolean } {
  const own = prod.resources.find((r) => {
    const object = objectOf(r);
    return object !== undefined && matches(object);
  });
  const chosen = own ?? asReviewed(fixture);
  return { resources: own ? [...prod.resources] : [...prod.resources, chosen], name: chosen.name, is: (r) => r.type === chosen.type && r.name === chosen.name };
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Breaks the first container of the subject's first pod template. */
function breakContainer(resources: readonly ReviewedResource[], is: (r: ReviewedResource) => boolean, change: (container: Writable<Container>) => void): ReviewedResource[] {
  return changed(resources, is, (props) => {
    const [pod] = podTemplatesOf(props as KubernetesObject);
    change(pod.containers[0].container);
  });
}

/** A resource name, safe inside a regular expression. */
const escaped = (name: string): string => name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

const ownsPods = (object: KubernetesObject): boolean => podTemplatesOf(object).some((pod) => !pod.builtByNimOperator && pod.containers.length > 0);
const ngcKey = "nvapi-Abc123dEf456GhI789jKl012MnO345pQr678StU";

describe("the prod stack under the policy pack", () => {
  it("passes every mandatory policy", async () => {
    expect(mandatoryLines(await violationsOf(prod))).toEqual([]);
  });

  it("is told nothing new about the compliant fixtures the broken variants may start from", async () => {
    const withFixtures = [...prod.resources, asReviewed(flywheelCronJob()), asReviewed(configMap({ LOG_LEVEL: "info" }))];
    expect(await addedMandatoryLines(prod, prod.resources, withFixtures)).toEqual([]);
  });

  it("catches a GPU pool without its taint", async () => {
    const broken = changed(prod.resources, (r) => r.type === "aws:eks/nodeGroup:NodeGroup" && r.name === "flywheel-gpu-training", (props) => {
      props.taints = [];
    });
    expect(await addedMandatoryLines(prod, prod.resources, broken)).toEqual([
      expect.stringMatching(/^gpu-node-pool-tainted \(aws:eks\/nodeGroup:NodeGroup: flywheel-gpu-training\): .*has no nvidia\.com\/gpu NO_SCHEDULE taint/),
    ]);
  });

  it("catches a public endpoint open to the internet", async () => {
    const broken = changed(prod.resources, (r) => r.type === "aws:eks/cluster:Cluster", (props) => {
      props.vpcConfig = { ...(props.vpcConfig as object), endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] };
    });
    expect(await addedMandatoryLines(prod, prod.resources, broken)).toEqual([
      expect.stringMatching(/^eks-endpoint-access \(aws:eks\/cluster:Cluster: flywheel\): EKS cluster "data-flywheel-prod" has a public API endpoint open to 0\.0\.0\.0\/0/),
    ]);
  });

  it("catches a latest image", async () => {
    const { resources, name, is } = subject(ownsPods, flywheelCronJob());
    const broken = breakContainer(resources, is, (container) => {
      const image = parseImage(String(container.image));
      container.image = `${image.registry}/${image.repository}:latest`;
    });
    expect(await addedMandatoryLines(prod, resources, broken)).toEqual([expect.stringMatching(new RegExp(`^image-pinned \\(kubernetes:[^ ]+: ${escaped(name)}\\): .*uses the floating tag "latest"`))]);
  });

  it("catches a plaintext NGC key in a container's env", async () => {
    const { resources, name, is } = subject(ownsPods, flywheelCronJob());
    const broken = breakContainer(resources, is, (container) => {
      container.env = [...(container.env ?? []), { name: "NGC_API_KEY", value: ngcKey }];
    });
    expect(await addedMandatoryLines(prod, resources, broken)).toEqual([
      expect.stringMatching(new RegExp(`^no-plaintext-secrets \\(kubernetes:[^ ]+: ${escaped(name)}\\): .*env NGC_API_KEY holds an NGC API key`)),
    ]);
  });

  it("catches a plaintext NGC key in a ConfigMap", async () => {
    const { resources, name, is } = subject((object) => isKind(object, "core", "ConfigMap"), configMap({ LOG_LEVEL: "info" }));
    const broken = changed(resources, is, (props) => {
      props.data = { ...(props.data as object), NGC_API_KEY: ngcKey };
    });
    expect(await addedMandatoryLines(prod, resources, broken)).toEqual([
      expect.stringMatching(new RegExp(`^no-plaintext-secrets \\(kubernetes:core/v1:ConfigMap: ${escaped(name)}\\): .*"NGC_API_KEY" holds an NGC API key`)),
    ]);
  });

  it("catches a CronJob that allows concurrent runs", async () => {
    const { resources, name, is } = subject((object) => isKind(object, "batch", "CronJob"), flywheelCronJob());
    const broken = changed(resources, is, (props) => {
      props.spec = { ...(props.spec as object), concurrencyPolicy: "Allow" };
    });
    expect(await addedMandatoryLines(prod, resources, broken)).toEqual([
      expect.stringMatching(new RegExp(`^cronjob-bounded \\(kubernetes:batch/v1:CronJob: ${escaped(name)}\\): .*allows concurrent runs`)),
    ]);
  });

  describe("isolation", () => {
    /** The render's resource that declares this object, by kind, namespace and name. */
    const declares = (kind: string, namespace: string | undefined, name: string) => (r: ReviewedResource): boolean => {
      const object = objectOf(r);
      return object !== undefined && object.kind === kind && object.metadata.namespace === namespace && object.metadata.name === name;
    };

    it("catches a namespace without its default-deny policy", async () => {
      const open = prod.resources.filter((r) => !declares("NetworkPolicy", "nemo", "default-deny")(r));
      expect(open.length).toBe(prod.resources.length - 1);
      expect(await addedMandatoryLines(prod, prod.resources, open)).toEqual([
        expect.stringMatching(/^namespace-default-deny \(kubernetes:core\/v1:Namespace: [^)]+\): Namespace "nemo" has no default-deny NetworkPolicy for Ingress and Egress/),
      ]);
    });

    it("catches a pod above its namespace's Pod Security level", async () => {
      const broken = breakContainer(prod.resources, declares("StatefulSet", "data", "flywheel-redis"), (container) => {
        container.securityContext = { ...container.securityContext, privileged: true, allowPrivilegeEscalation: true };
      });
      expect((await addedMandatoryLines(prod, prod.resources, broken)).filter((line) => line.startsWith("pod-security-level"))).toEqual([
        expect.stringMatching(/^pod-security-level \(kubernetes:apps\/v1:StatefulSet: [^)]+\): StatefulSet data\/flywheel-redis: its pod does not meet Pod Security "(baseline|restricted)".*privileged is true/),
      ]);
    });

    it("catches a Secret on a command line", async () => {
      const { resources, name, is } = subject(ownsPods, flywheelCronJob());
      const broken = breakContainer(resources, is, (container) => {
        container.env = [...(container.env ?? []), { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }];
        container.args = [...(container.args ?? []), "--db-auth=$(DB_PASSWORD)"];
      });
      expect(await addedMandatoryLines(prod, resources, broken)).toEqual([
        expect.stringMatching(new RegExp(`^no-secret-on-command-line \\(kubernetes:[^ ]+: ${escaped(name)}\\): .*has \\$\\(DB_PASSWORD\\) from Secret "db" key "password" on its command line`)),
      ]);
    });

    it("catches a replicated service without its PodDisruptionBudget", async () => {
      const unprotected = prod.resources.filter((r) => !declares("PodDisruptionBudget", "data", "flywheel-mongodb")(r));
      expect(unprotected.length).toBe(prod.resources.length - 1);
      expect(await addedMandatoryLines(prod, prod.resources, unprotected)).toEqual([
        expect.stringMatching(/^pod-disruption-budget \(kubernetes:mongodbcommunity\.mongodb\.com\/v1:MongoDBCommunity: [^)]+\): MongoDBCommunity data\/flywheel-mongodb runs 3 members and no PodDisruptionBudget selects its pods/),
      ]);
    });

    it("catches a Secret in nemo that no NeMo service uses", async () => {
      const stray = asReviewed({ apiVersion: "v1", kind: "Secret", metadata: { name: "rds-master", namespace: "nemo" }, type: "Opaque", stringData: { password: "[secret]" } });
      expect(await addedMandatoryLines(prod, prod.resources, [...prod.resources, stray])).toEqual([
        expect.stringMatching(/^namespace-secrets-used \(kubernetes:core\/v1:Secret: fixture:nemo\/rds-master\): Secret nemo\/rds-master is named by no service in "nemo"/),
      ]);
    });
  });
});
