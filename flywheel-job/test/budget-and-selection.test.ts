import { GpuBudgetTimeout } from "../src/budget/gpu-budget";
import { InProcessGpuBudget, InProcessRunLocks } from "../src/budget/in-process-budget";
import { SemanticExampleSelector } from "../src/curation/icl/semantic-example-selector";
import { validateRecord } from "../src/curation/validate";
import { noToolLabel, type SampledRecord } from "../src/curation/records";
import { asSampled, defaultLimits, logDocument, pulled } from "./support/logs";

const hold = (budget: InProcessGpuBudget, gpus: number, waitMs = 5000, signal = new AbortController().signal) => budget.hold(gpus, { signal, waitMs, holder: "test", onLost: () => undefined });

describe("InProcessGpuBudget", () => {
  it("serves waiting candidates first come, first served, all of a candidate's GPUs at once", async () => {
    const budget = new InProcessGpuBudget(3);
    const first = await hold(budget, 2);
    const order: string[] = [];
    const big = hold(budget, 3).then((held) => (order.push("big"), held));
    const small = hold(budget, 1).then((held) => (order.push("small"), held));
    await first.release();
    const bigHeld = await big;
    expect(order).toEqual(["big"]);
    await bigHeld.release();
    await (await small).release();
    await first.release();
    expect(order).toEqual(["big", "small"]);
    expect(budget.heldGpus).toBe(0);
  });

  it("gives up after the wait and when the run stops, keeping nothing", async () => {
    const budget = new InProcessGpuBudget(1);
    const held = await hold(budget, 1);
    await expect(hold(budget, 1, 10)).rejects.toThrow(GpuBudgetTimeout);
    const stop = new AbortController();
    const waiting = hold(budget, 1, 5000, stop.signal);
    stop.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
    await held.release();
    expect(budget.heldGpus).toBe(0);
  });

  it("lets one run of a pair hold the lock", async () => {
    const locks = new InProcessRunLocks();
    const held = await locks.lock("w", "c");
    expect(await locks.lock("w", "c")).toBeUndefined();
    await held!.release();
    expect(await locks.lock("w", "c")).toBeDefined();
  });
});

function record(user: string, tool: string): SampledRecord {
  const result = validateRecord(pulled(logDocument({ user, tool })), { limits: defaultLimits });
  if (!result.ok) {
    throw new Error(result.reason);
  }
  return asSampled(result.record);
}

/** Texts as vectors over a tiny vocabulary, so similarity is obvious. */
function embed(texts: readonly string[]): Promise<number[][]> {
  const words = ["refund", "order", "late", "password"];
  return Promise.resolve(texts.map((text) => words.map((word) => (text.includes(word) ? 1 : 0))));
}

describe("SemanticExampleSelector", () => {
  const train = [record("refund my order", "issue_refund"), record("refund it please", "issue_refund"), record("my order is late", "lookup_order"), record("reset my password", "reset_password")];

  it("puts the most similar training records first, then covers tools the closest ones do not use", async () => {
    const selector = new SemanticExampleSelector(embed, { maxExamples: 3, relevanceRatio: 0.34 });
    const [candidates] = await selector.candidates([record("I want a refund for my order", "issue_refund")], train);
    // One slot by similarity (refund my order), two for uncovered tools, most similar first; then the rest.
    expect(candidates.map((r) => r.load().request.messages[1].content)).toEqual(["refund my order", "my order is late", "reset my password", "refund it please"]);
  });

  it("orders by similarity alone for a generic workload", async () => {
    const generic = train.map((r) => ({ ...r, toolLabel: noToolLabel }));
    const selector = new SemanticExampleSelector(embed, { maxExamples: 2, relevanceRatio: 0.5 });
    const [candidates] = await selector.candidates([{ ...record("password reset", "x"), toolLabel: noToolLabel }], generic);
    expect(candidates[0].load().request.messages[1].content).toBe("reset my password");
  });
});
