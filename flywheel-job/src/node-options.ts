/**
 * NODE_OPTIONS for a process of the job image in a container with a memory limit of
 * `memoryLimitMebibytes`. V8 sizes its heap from the machine's memory, not the container's, so the
 * old generation is capped at three quarters of the limit (the rest is code, buffers and the young
 * generation): a process that outgrows it fails with V8's heap error, which names the cause, instead
 * of being killed by the kernel.
 *
 * `semiSpaceMebibytes` bounds each of the young generation's two semi-spaces. A long-running service
 * whose requests allocate short-lived objects (the API parses and copies records for every answer)
 * otherwise grows them to V8's default of 16 MiB or more, and its old generation with them: over
 * 10,000 runs that is 20 to 50 MiB of resident memory holding garbage (`npm run bench:api`).
 */
export function nodeOptionsFor(memoryLimitMebibytes: number, semiSpaceMebibytes?: number): string {
  const heap = `--max-old-space-size=${Math.floor(memoryLimitMebibytes * 0.75)}`;
  return semiSpaceMebibytes === undefined ? heap : `${heap} --max-semi-space-size=${semiSpaceMebibytes}`;
}
