import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Starts `server` on `port` (0: any free port) and answers its base URL once it accepts connections;
 * a port it cannot take rejects instead of crashing the process with an unhandled `error` event.
 */
export async function listen(server: Server, port: number, host: string | undefined): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  // Listening on every interface: callers on this machine reach it as localhost.
  return `http://${shown === "[::]" || shown === "0.0.0.0" ? "localhost" : shown}:${address.port}`;
}
