import { spawn } from "node:child_process";
import { join } from "node:path";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { RunStore } from "../src/store/run-store";
import { eventually } from "./support/eventually";
import { FlywheelFixture, smallModel, toolWorkload } from "./support/flywheel-fixture";

let fixture: FlywheelFixture;

beforeEach(async () => {
  fixture = await FlywheelFixture.start();
});

afterEach(async () => {
  await fixture.stop();
});

describe("the flywheel executable on SIGTERM", () => {
  it("cancels the run within the grace period: deletes its NIMs, cancels its jobs, records it, exits 143", async () => {
    fixture.nemo.customizationBehaviour.set(smallModel.model, { stall: true });
    fixture.nemo.evaluationBehaviour.set(smallModel.model, { stall: true });
    const config = fixture.writeConfig(fixture.config(toolWorkload, { stallTimeouts: { deploymentMinutes: 5, customizationMinutes: 30, evaluationMinutes: 5 } }));
    const child = spawn(process.execPath, [join(__dirname, "..", "bin", "flywheel.js"), "run", "--config", config, "--logs", fixture.logsFile, "--state-dir", fixture.stateDirectory], {
      env: { PATH: process.env.PATH, HOME: fixture.directory, ...fixture.env() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    await eventually(() => fixture.nemo.activeCustomizations().length === 1 || child.exitCode !== null, "the run to be fine-tuning", 50_000);
    expect(fixture.cluster.nimServices.size).toBe(1);
    child.kill("SIGTERM");

    expect(await exited).toBe(143);
    expect(stderr).toContain("stopping the run: received SIGTERM");
    expect(stdout).toContain("cancelled");
    const [run] = await new RunStore(new JsonFileRecordStore(fixture.stateDirectory)).listRuns();
    expect(run).toMatchObject({ status: "cancelled", error: "received SIGTERM" });
    fixture.expectNothingLeft();
  });
});
