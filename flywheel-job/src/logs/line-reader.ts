import { createReadStream } from "node:fs";

const newline = 0x0a;
const carriageReturn = 0x0d;

/**
 * Calls `onLine` for every line of a UTF-8 file, streaming it in large chunks (faster than
 * `readline` for big exports). Strips a trailing CR and a leading byte-order mark. A line split
 * across chunks is assembled once, so a very long line costs no more than its size.
 */
export async function forEachLine(
  path: string,
  onLine: (line: string, lineNumber: number) => void,
  onProgress?: (bytesRead: number) => void,
): Promise<{ readonly lines: number; readonly bytes: number }> {
  let lineNumber = 0;
  let bytes = 0;
  let pending: Buffer[] = [];

  const emit = (buffer: Buffer, start: number, end: number): void => {
    if (end > start && buffer[end - 1] === carriageReturn) {
      end -= 1;
    }
    lineNumber += 1;
    let text = buffer.toString("utf8", start, end);
    if (lineNumber === 1 && text.charCodeAt(0) === 0xfeff) {
      text = text.slice(1);
    }
    onLine(text, lineNumber);
  };

  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    let start = 0;
    let end = chunk.indexOf(newline, start);
    if (end !== -1 && pending.length > 0) {
      const joined = Buffer.concat([...pending, chunk.subarray(0, end)]);
      pending = [];
      emit(joined, 0, joined.length);
      start = end + 1;
      end = chunk.indexOf(newline, start);
    }
    while (end !== -1) {
      emit(chunk, start, end);
      start = end + 1;
      end = chunk.indexOf(newline, start);
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
    }
    onProgress?.(bytes);
  }
  if (pending.length > 0) {
    const rest = Buffer.concat(pending);
    emit(rest, 0, rest.length);
  }
  return { lines: lineNumber, bytes };
}
