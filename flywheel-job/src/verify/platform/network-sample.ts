import { connect } from "node:net";
import type { PlatformCheck, PlatformCheckContext } from "./platform-check";
import type { PlatformCheckResult } from "./platform-verify-contract";
import { callSignal, describeFailure } from "./store-call";

/** A TCP connection attempt's end: connected, or why not. */
export type TcpAttempt = { readonly connected: true } | { readonly connected: false; readonly reason: string };

/** One TCP connection attempt to `host:port`, closed at once when it connects; never rejects. */
export function tryTcpConnect(host: string, port: number, signal: AbortSignal): Promise<TcpAttempt> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve({ connected: false, reason: "no connection within the call timeout" });
      return;
    }
    const socket = connect({ host, port });
    const finish = (attempt: TcpAttempt): void => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(attempt);
    };
    // A firewall that drops packets answers nothing: the timeout is that answer.
    const onAbort = (): void => finish({ connected: false, reason: "no connection within the call timeout" });
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => finish({ connected: true }));
    socket.once("error", (error) => finish({ connected: false, reason: describeFailure(error) }));
  });
}

/**
 * `network-sample`: a sample of the isolation table seen from the verify pod. Each allowed
 * host:port must accept a TCP connection within the call timeout; each denied one must not
 * (refused or no answer both pass). Only the handshake is made: nothing is sent.
 */
export function networkSampleCheck(): PlatformCheck {
  return {
    name: "network-sample",
    async run(context: PlatformCheckContext) {
      const { allowed, denied } = context.config.networkSample;
      const attempt = (host: string, port: number) => tryTcpConnect(host, port, callSignal(context));
      const allowedResults = allowed.map(async ({ host, port, description }): Promise<PlatformCheckResult> => {
        const check = `network allowed: ${description}`;
        const target = `${host}:${port}`;
        const seen = await attempt(host, port);
        return seen.connected
          ? { check, target, outcome: "pass", detail: "connected" }
          : { check, target, outcome: "fail", detail: `did not connect: ${seen.reason}`, troubleshooting: "network-path-blocked" };
      });
      const deniedResults = denied.map(async ({ host, port, description }): Promise<PlatformCheckResult> => {
        const check = `network denied: ${description}`;
        const target = `${host}:${port}`;
        const seen = await attempt(host, port);
        return seen.connected
          ? { check, target, outcome: "fail", detail: "connected, though the isolation table denies it", troubleshooting: "network-path-open" }
          : { check, target, outcome: "pass", detail: `did not connect: ${seen.reason}` };
      });
      return Promise.all([...allowedResults, ...deniedResults]);
    },
  };
}
