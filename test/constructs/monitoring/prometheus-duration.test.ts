import { durationMilliseconds } from "../../../constructs/monitoring";

describe("durationMilliseconds", () => {
  test.each([
    ["30s", 30_000],
    ["1m30s", 90_000],
    ["500ms", 500],
    ["15d", 15 * 86_400_000],
    ["1y", 365 * 86_400_000],
    ["1w3d12h", (7 + 3.5) * 86_400_000],
  ])("reads %s as Prometheus does", (duration, milliseconds) => {
    expect(durationMilliseconds(duration)).toBe(milliseconds);
  });

  test.each(["", "0", "0s", "30", "1.5h", "30sec", "1s1m", "-1s"])("refuses %j", (duration) => {
    expect(durationMilliseconds(duration)).toBeUndefined();
  });
});
