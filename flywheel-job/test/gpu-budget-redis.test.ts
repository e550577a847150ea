import { GpuBudgetTimeout, type Held, type HoldOptions } from "../src/budget/gpu-budget";
import { gpuBudgetKey, RedisGpuBudget, RedisRunLocks, runLockKey } from "../src/budget/redis-budget";
import { connectRedis, disconnectRedis } from "../src/budget/redis-connection";
import { JsonFileRecordStore } from "../src/store/json-file-record-store";
import { RunStore } from "../src/store/run-store";
import type { Redis } from "ioredis";
import { eventually } from "./support/eventually";
import { FlywheelFixture, genericWorkload, largerModel, toolWorkload } from "./support/flywheel-fixture";
import { startRedisServer, type RedisServer } from "./support/redis-server";
import { describeWithProgram, redisServer } from "../../test/support/needs-program";

describeWithProgram(redisServer, "the GPU budget and run locks on a real Redis", () => {
  let server: RedisServer;
  let redis: Redis;
  const lease = { leaseMs: 600, retryIntervalMs: 10 };

  beforeAll(async () => {
    server = await startRedisServer();
    redis = await connectRedis(server.url, 5000, () => undefined);
  });

  afterAll(async () => {
    // When beforeAll failed, nothing was started: its error is the one to read, not this hook's.
    const started = { server: server as RedisServer | undefined, redis: redis as Redis | undefined };
    if (started.redis) {
      await disconnectRedis(started.redis, 1000);
    }
    await started.server?.stop();
  });

  afterEach(async () => {
    // Every test gives back what it held: nothing of the budget or the locks is left in Redis.
    expect(await server.client.zcard(`semaphore:${gpuBudgetKey}`)).toBe(0);
    expect(await server.client.keys("mutex:*")).toEqual([]);
  });

  function options(overrides: Partial<HoldOptions> = {}): HoldOptions {
    return { signal: new AbortController().signal, waitMs: 5000, holder: "test", onLost: () => undefined, ...overrides };
  }

  describe("RedisGpuBudget", () => {
    it("holds a candidate's GPUs all at once, makes the next wait, and lets it in when they are released", async () => {
      const budget = new RedisGpuBudget(redis, 4, lease);
      const first = await budget.hold(3, options());
      let secondHeld: Held | undefined;
      const second = budget.hold(2, options()).then((held) => (secondHeld = held));
      const third = await budget.hold(1, options());
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(secondHeld).toBeUndefined();
      await first.release();
      await second;
      expect(secondHeld).toBeDefined();
      expect(await server.client.zcard(`semaphore:${gpuBudgetKey}`)).toBe(3);
      await secondHeld!.release();
      await third.release();
    });

    it("gives up after the wait, and stops waiting when the run stops", async () => {
      const budget = new RedisGpuBudget(redis, 2, lease);
      const held = await budget.hold(2, options());
      await expect(budget.hold(1, options({ waitMs: 100, holder: "run r candidate m" }))).rejects.toThrow(GpuBudgetTimeout);
      const stop = new AbortController();
      const waiting = budget.hold(1, options({ signal: stop.signal }));
      stop.abort(new Error("run cancelled"));
      await expect(waiting).rejects.toThrow("run cancelled");
      await held.release();
    });

    it("keeps a lease alive while it is held and tells the holder when it is lost", async () => {
      // A lease long enough that a loaded machine cannot miss a refresh by accident.
      const budget = new RedisGpuBudget(redis, 2, { leaseMs: 3000, retryIntervalMs: 10 });
      const lost: Error[] = [];
      const held = await budget.hold(1, options({ onLost: (error) => lost.push(error) }));
      const [, stamped] = await server.client.zrange(`semaphore:${gpuBudgetKey}`, 0, -1, "WITHSCORES");
      // Refreshing re-stamps the permit; wait for it rather than for a time.
      const score = async (): Promise<number> => Number((await server.client.zrange(`semaphore:${gpuBudgetKey}`, 0, -1, "WITHSCORES"))[1]);
      await eventually(async () => (await score()) > Number(stamped), "the held permit to be refreshed", 5000);
      expect(lost).toEqual([]);
      // As if the lease had expired while the job could not reach Redis.
      await server.client.del(`semaphore:${gpuBudgetKey}`);
      await eventually(() => lost.length > 0, "the holder to hear that its lease was lost", 5000);
      expect(lost.map((e) => e.name)).toEqual(["LeaseLost"]);
      await held.release();
    });

    it("counts a holder's GPUs until its lease runs out, then frees them for others", async () => {
      const budget = new RedisGpuBudget(redis, 2, { leaseMs: 5000, retryIntervalMs: 10 });
      // Permits of a holder that stopped refreshing, stamped now: they still count for a lease.
      const now = Date.now();
      await server.client.zadd(`semaphore:${gpuBudgetKey}`, now, "alive_0", now, "alive_1");
      await expect(budget.hold(2, options({ waitMs: 200, holder: "run r candidate m" }))).rejects.toThrow(GpuBudgetTimeout);
      // The same holder's permits from more than a lease ago: it died, and they no longer count.
      const stale = now - 10_000;
      await server.client.zadd(`semaphore:${gpuBudgetKey}`, stale, "alive_0", stale, "alive_1");
      const held = await budget.hold(2, options({ waitMs: 200 }));
      expect(await server.client.zrange(`semaphore:${gpuBudgetKey}`, 0, -1)).not.toContain("alive_0");
      await held.release();
    });
  });

  describe("RedisRunLocks", () => {
    it("lets one run of a pair hold the lock, and the next take it once released or expired", async () => {
      const locks = new RedisRunLocks(redis, lease);
      const held = (await locks.lock("w", "c", options()))!;
      expect(await locks.lock("w", "c", options({ waitMs: 50 }))).toBeUndefined();
      const otherClient = await locks.lock("w", "other", options({ waitMs: 50 }));
      expect(otherClient).toBeDefined();
      await otherClient!.release();
      await held.release();
      const again = await locks.lock("w", "c", options({ waitMs: 50 }));
      expect(again).toBeDefined();
      await again!.release();
      // A run that died holding the lock: it is free once its lease runs out.
      await server.client.set(`mutex:${runLockKey("w", "c")}`, "a-dead-run", "PX", 200);
      const taken = await locks.lock("w", "c", options({ waitMs: 2000 }));
      expect(taken).toBeDefined();
      await taken!.release();
    });
  });

  describe("two runs sharing the cluster's GPU budget in Redis", () => {
    let fixture: FlywheelFixture;

    beforeEach(async () => {
      fixture = await FlywheelFixture.start();
    });

    afterEach(async () => {
      await fixture.stop();
    });

    it("never hold more GPUs than the budget together, and both complete", async () => {
      const env = fixture.env({ REDIS_URL: server.url });
      const config = (workload: typeof toolWorkload | typeof genericWorkload) => fixture.config(workload, { candidates: [{ ...largerModel }] });
      const [tool, generic] = await Promise.all([fixture.run(config(toolWorkload), env), fixture.run(config(genericWorkload), env)]);
      expect([tool.code, generic.code]).toEqual([0, 0]);
      expect(fixture.cluster.created).toHaveLength(2);
      expect(fixture.cluster.maxGpusInUse).toBe(2);
      const runs = await new RunStore(new JsonFileRecordStore(fixture.stateDirectory)).listRuns();
      expect(runs.map((r) => r.status)).toEqual(["completed", "completed"]);
      fixture.expectNothingLeft();
    });

    it("refuses a second run of the same workload and client while the first holds the lock (exit 75)", async () => {
      const held = (await new RedisRunLocks(redis, { leaseMs: 5000, retryIntervalMs: 10 }).lock(toolWorkload.workloadId, toolWorkload.clientId, options()))!;
      const result = await fixture.run(fixture.config(toolWorkload, { gpuBudget: { gpus: 2, leaseSeconds: 1, waitMinutes: 1 } }), fixture.env({ REDIS_URL: server.url }));
      await held.release();
      expect(result.code).toBe(75);
      expect(result.stderr).toContain('flywheel: error: another run of workload "support-agent" and client "web" is in progress; only one runs at a time');
      expect(fixture.cluster.created).toHaveLength(0);
      fixture.expectNothingLeft();
    });

    it("stops waiting for the lock on SIGTERM, before anything is started", async () => {
      const held = (await new RedisRunLocks(redis, { leaseMs: 5000, retryIntervalMs: 10 }).lock(toolWorkload.workloadId, toolWorkload.clientId, options()))!;
      const shutdown = new AbortController();
      const running = fixture.run(fixture.config(toolWorkload, { gpuBudget: { gpus: 2, leaseSeconds: 30, waitMinutes: 1 } }), fixture.env({ REDIS_URL: server.url }), shutdown.signal);
      await new Promise((resolve) => setTimeout(resolve, 100));
      shutdown.abort("SIGTERM");
      const result = await running;
      await held.release();
      expect(result).toMatchObject({ code: 143, stderr: expect.stringContaining("flywheel: error: stopped before the run started: received SIGTERM") });
      expect(await new RunStore(new JsonFileRecordStore(fixture.stateDirectory)).listRuns()).toEqual([]);
    });
  });

  describe("a candidate whose GPU lease is lost", () => {
    let fixture: FlywheelFixture;

    beforeEach(async () => {
      fixture = await FlywheelFixture.start();
    });

    afterEach(async () => {
      await fixture.stop();
    });

    it("stops, deletes its NIM and cancels its jobs; the run goes on", async () => {
      fixture.nemo.customizationBehaviour.set("meta/llama-3.2-1b-instruct", { stall: true });
      const config = fixture.config(toolWorkload, { gpuBudget: { gpus: 2, leaseSeconds: 1, waitMinutes: 1 }, stallTimeouts: { deploymentMinutes: 1, customizationMinutes: 10, evaluationMinutes: 1 } });
      const running = fixture.run({ ...config, candidates: [config.candidates[0]] }, fixture.env({ REDIS_URL: server.url }));
      while (fixture.nemo.activeCustomizations().length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // As if Redis had lost the lease (the job could not refresh it in time).
      await server.client.del(`semaphore:${gpuBudgetKey}`);
      const result = await running;

      expect(result.code).toBe(0);
      const [run] = await new RunStore(new JsonFileRecordStore(fixture.stateDirectory)).listRuns();
      const details = (await new RunStore(new JsonFileRecordStore(fixture.stateDirectory)).details(run.id))!;
      expect(details.run.status).toBe("completed");
      expect(details.nims[0].status).toBe("failed");
      expect(details.nims[0].error).toContain("lost its lease on Redis GPU budget flywheel:gpu-budget");
      expect(details.customizations[0].status).toBe("cancelled");
      fixture.expectNothingLeft();
    });
  });
});
