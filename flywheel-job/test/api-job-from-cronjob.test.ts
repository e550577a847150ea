import { flywheelScheduleContract } from "../src/api/flywheel-api-service";
import { CronJobShapeError, instantiateAnnotation, jobFromCronJob, onDemandJobName } from "../src/kubernetes/job-from-cronjob";
import { newRecordId } from "../src/store/ids";
import { flywheelCronJob } from "./support/flywheel-cronjob";

describe("a Job from a workload's CronJob, as kubectl create job --from=cronjob/… makes it", () => {
  const cronJob = flywheelCronJob("support-agent", "web");
  const runId = newRecordId();
  const job = jobFromCronJob(cronJob, runId);
  const template = cronJob.spec!.jobTemplate;

  it("is a batch/v1 Job in the CronJob's namespace, named after the CronJob and the run", () => {
    expect(job.apiVersion).toBe("batch/v1");
    expect(job.kind).toBe("Job");
    expect(job.metadata?.name).toBe(`flywheel-support-agent-web-${runId}`);
    expect(job.metadata?.namespace).toBe("flywheel");
  });

  it("carries the job template's labels and annotations, and marks itself as started by hand", () => {
    expect(job.metadata?.labels).toEqual(template.metadata?.labels);
    expect(job.metadata?.annotations).toEqual({ ...template.metadata?.annotations, [instantiateAnnotation.key]: "manual" });
    expect(instantiateAnnotation).toEqual({ key: "cronjob.kubernetes.io/instantiate", value: "manual" });
  });

  it("is owned by the CronJob, as its controller", () => {
    expect(job.metadata?.ownerReferences).toEqual([{ apiVersion: "batch/v1", kind: "CronJob", name: cronJob.metadata!.name, uid: cronJob.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
  });

  it("has the template's spec, except that the flywheel container adopts the run by its id", () => {
    const { template: podTemplate, ...jobSpec } = job.spec!;
    const { template: expectedPodTemplate, ...expectedJobSpec } = template.spec!;
    expect(jobSpec).toEqual(expectedJobSpec);
    expect(podTemplate.metadata).toEqual(expectedPodTemplate.metadata);
    const { containers, ...podSpec } = podTemplate.spec!;
    const { containers: expectedContainers, ...expectedPodSpec } = expectedPodTemplate.spec!;
    expect(podSpec).toEqual(expectedPodSpec);
    const [container] = containers;
    const { args, ...rest } = container;
    const { args: expectedArgs, ...expectedRest } = expectedContainers[0];
    expect(rest).toEqual(expectedRest);
    expect(args).toEqual([...expectedArgs!, flywheelScheduleContract.runIdFlag, runId]);
    expect(args?.slice(-2)).toEqual(["--run-id", runId]);
  });

  it("leaves the CronJob as it was", () => {
    expect(cronJob).toEqual(flywheelCronJob("support-agent", "web"));
  });

  it("keeps names within the 63 characters of a label value, the same for the same run", () => {
    const longName = `flywheel-${"w".repeat(30)}-${"c".repeat(30)}`.slice(0, 52);
    const name = onDemandJobName(longName, runId);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(new RegExp(`^[a-z0-9-]+[a-z0-9]-${runId}$`));
    expect(onDemandJobName(longName, runId)).toBe(name);
    expect(onDemandJobName(longName, newRecordId())).not.toBe(name);
  });

  it("refuses a CronJob without the flywheel container, or without a uid to own the Job", () => {
    const other = flywheelCronJob("a", "b");
    other.spec!.jobTemplate.spec!.template.spec!.containers[0].name = "main";
    expect(() => jobFromCronJob(other, runId)).toThrow(new CronJobShapeError(`the CronJob flywheel-a-b has no container "flywheel" in its job template`));
    const noUid = flywheelCronJob("a", "b");
    delete noUid.metadata!.uid;
    expect(() => jobFromCronJob(noUid, runId)).toThrow("has no uid");
  });
});
