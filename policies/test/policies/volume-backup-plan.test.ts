import { volumeBackupPlan } from "../../policies/volume-backup-plan";
import { stackViolations } from "../support/policy-review";
import { edit, kubernetesResource, storageClass, type TestResource } from "../support/fixtures";

const backupTag = "data-flywheel.io/backup=aws-backup";
/** The retained class as production renders it: its volumes carry the backup tag. */
const retained = kubernetesResource(edit(edit(storageClass(), "metadata.name", "gp3-encrypted-retain"), "parameters.tagSpecification_1", backupTag));
const fileSystem: TestResource = { type: "aws:efs/fileSystem:FileSystem", name: "flywheel-models", props: { encrypted: true } };
const plan = (deleteAfter?: number): TestResource => ({
  type: "aws:backup/plan:Plan",
  name: "flywheel-backups",
  props: { rules: [{ ruleName: "daily", schedule: "cron(0 5 ? * * *)", ...(deleteAfter === undefined ? {} : { lifecycle: { deleteAfter } }) }] },
});
/** As the offline render records them: the plan by its id, the file system by an ARN ending in its name. */
const byTag: TestResource = {
  type: "aws:backup/selection:Selection",
  name: "flywheel-backups-volumes",
  props: { planId: "flywheel-backups-id", selectionTags: [{ type: "STRINGEQUALS", key: "data-flywheel.io/backup", value: "aws-backup" }] },
};
const byArn: TestResource = {
  type: "aws:backup/selection:Selection",
  name: "flywheel-backups-file-system",
  props: { planId: "flywheel-backups-id", resources: ["arn:aws:efs:us-east-1:123456789012:flywheel-models"] },
};
const stack = [retained, fileSystem, plan(35), byTag, byArn];

describe("volume-backup-plan", () => {
  it("passes production's plan: 35 days, the retained class's tag and the file system selected", async () => {
    expect(await stackViolations(volumeBackupPlan, stack)).toEqual([]);
    expect(await stackViolations(volumeBackupPlan, [retained, fileSystem, plan(), byTag, byArn])).toEqual([]);
  });

  it("catches a rule that deletes recovery points too early, required or not", async () => {
    const expected = {
      message: 'Backup plan "flywheel-backups" rule "daily" deletes recovery points after 3 day(s), fewer than 7. Fix: set aws.backups.retentionDays to 7 or more.',
      resource: "flywheel-backups",
    };
    expect(await stackViolations(volumeBackupPlan, [retained, fileSystem, plan(3), byTag, byArn])).toEqual([expected]);
    expect(await stackViolations(volumeBackupPlan, [plan(3)], { required: false })).toEqual([expected]);
    expect(await stackViolations(volumeBackupPlan, [plan(1)], { required: false, minRetentionDays: 1 })).toEqual([]);
  });

  it("catches a stack without a plan where backups are required, and not where they are optional", async () => {
    expect(await stackViolations(volumeBackupPlan, [retained, fileSystem])).toEqual([
      {
        message: "StorageClass gp3-encrypted-retain keeps its volumes (Retain) but tags its volumes data-flywheel.io/backup=aws-backup, which no backup plan's selection names. Fix: set aws.backups.enabled: true in the stack file.",
        resource: "gp3-encrypted-retain",
      },
      { message: 'EFS file system "flywheel-models" is in no backup plan\'s selection. Fix: set aws.backups.enabled: true in the stack file.', resource: "flywheel-models" },
    ]);
    expect(await stackViolations(volumeBackupPlan, [retained, fileSystem], { required: false })).toEqual([]);
  });

  it("catches a retained class without a tag, or with a tag the selection does not name", async () => {
    const untagged = kubernetesResource(edit(storageClass(), "metadata.name", "gp3-encrypted-retain"));
    expect(await stackViolations(volumeBackupPlan, [untagged, fileSystem, plan(35), byTag, byArn])).toEqual([
      expect.objectContaining({ message: expect.stringContaining("gives its volumes no tag (tagSpecification_N)") }),
    ]);
    const otherTag = edit(byTag, "props.selectionTags.0.value", "other");
    expect(await stackViolations(volumeBackupPlan, [retained, fileSystem, plan(35), otherTag, byArn])).toEqual([
      expect.objectContaining({ resource: "gp3-encrypted-retain" }),
    ]);
  });

  it("does not count a file system named in a selection that also has tag conditions (AWS Backup would narrow it by the tag)", async () => {
    const combined = { ...byTag, props: { ...byTag.props, resources: byArn.props.resources } };
    expect(await stackViolations(volumeBackupPlan, [retained, fileSystem, plan(35), combined])).toEqual([expect.objectContaining({ resource: "flywheel-models" })]);
  });

  it("does not count a selection of another plan, and leaves classes that delete their volumes alone", async () => {
    const orphans = [byTag, byArn].map((s) => edit(s, "props.planId", "other-plan-id"));
    expect(await stackViolations(volumeBackupPlan, [retained, fileSystem, plan(35), ...orphans])).toHaveLength(2);
    const deleting = kubernetesResource(edit(storageClass(), "reclaimPolicy", "Delete"));
    expect(await stackViolations(volumeBackupPlan, [deleting, fileSystem, plan(35), byTag, byArn])).toEqual([]);
  });
});
