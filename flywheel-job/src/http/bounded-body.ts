import type { IncomingMessage } from "node:http";

/**
 * A request's body, or undefined as soon as it grows past `limit` bytes: reading then stops and the
 * rest is left unread, without destroying the socket the answer still goes out on (the answer
 * closes the connection). Bounded before anything parses it: a client cannot make the server buffer
 * more than `limit`.
 */
export function readBoundedBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        request.off("data", onData);
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    request.on("data", onData);
    request.once("end", () => resolve(Buffer.concat(chunks)));
    request.once("error", reject);
  });
}
