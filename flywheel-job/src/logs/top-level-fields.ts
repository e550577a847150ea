const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const colon = 0x3a;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;

/** Longest key or scalar value captured; ids and timestamps are far shorter. */
const maxTokenBytes = 256;

/**
 * Finds a few top-level fields (`workload_id`, `timestamp`, ...) of a JSON object fed to it in pieces,
 * holding nothing but those fields: how a reader learns whose a line is that is too long to parse,
 * or even to hold (V8 cannot make a string of 600 MB). It tracks strings, escapes and nesting byte by
 * byte, so it never recurses; it does not validate the JSON. Only string, number, boolean and null
 * values are kept; like `JSON.parse`, the last occurrence of a key wins, and a later value that is
 * an object, a list or too long removes an earlier one.
 */
export class TopLevelFieldScanner {
  private readonly found = new Map<string, string | number | boolean | null>();
  private depth = 0;
  private done = false;
  private inString = false;
  private escaped = false;
  /** At depth 1: whether the next string is a key (after `{` or `,`) or a value (after `:`). */
  private expectingKey = false;
  /** Bytes of the depth-1 key or scalar value being read, when it may matter. */
  private token: number[] | undefined;
  private tokenIsKey = false;
  /** The wanted key whose value is being read. */
  private member: string | undefined;

  constructor(private readonly wanted: ReadonlySet<string>) {}

  /** Reads `bytes[start, end)`, the next piece of the object. */
  feed(bytes: Buffer, start: number, end: number): void {
    const view = bytes.subarray(start, end);
    /** Where the next backslash is: -2 not looked for yet, -1 none in the piece. */
    let nextBackslash = -2;
    for (let i = 0; i < view.length && !this.done; i++) {
      if (this.inString && this.token === undefined && !this.escaped) {
        // A string nobody needs (most of a large record's bytes): jump to its end, or to an escape.
        if (nextBackslash !== -1 && nextBackslash < i) {
          nextBackslash = view.indexOf(backslash, i);
        }
        const closing = view.indexOf(quote, i);
        if (nextBackslash !== -1 && (closing === -1 || nextBackslash < closing)) {
          i = nextBackslash;
          this.escaped = true;
          continue;
        }
        if (closing === -1) {
          return;
        }
        i = closing;
        this.inString = false;
        continue;
      }
      const byte = view[i];
      if (this.inString) {
        this.pushTokenByte(byte);
        if (this.escaped) {
          this.escaped = false;
        } else if (byte === backslash) {
          this.escaped = true;
        } else if (byte === quote) {
          this.inString = false;
          this.endToken();
        }
        continue;
      }
      if (this.token !== undefined && !this.tokenIsKey) {
        // A number or literal at depth 1 ends at the first byte that cannot continue it.
        if (isScalarByte(byte)) {
          this.pushTokenByte(byte);
          continue;
        }
        this.endToken();
      }
      this.structural(byte);
    }
  }

  /** The wanted fields found so far. */
  fields(): ReadonlyMap<string, string | number | boolean | null> {
    if (this.token !== undefined && !this.tokenIsKey && !this.inString) {
      this.endToken();
    }
    return this.found;
  }

  private structural(byte: number): void {
    switch (byte) {
      case quote:
        this.inString = true;
        if (this.depth === 1) {
          this.tokenIsKey = this.expectingKey;
          this.token = this.tokenIsKey || this.member !== undefined ? [byte] : undefined;
        }
        return;
      case openBrace:
      case openBracket:
        if (this.depth === 0 && byte === openBracket) {
          this.done = true;
          return;
        }
        if (this.depth === 1) {
          this.forgetMember();
        }
        this.depth += 1;
        this.expectingKey = this.depth === 1;
        return;
      case closeBrace:
      case closeBracket:
        this.depth -= 1;
        this.done = this.depth <= 0;
        return;
      case comma:
        if (this.depth === 1) {
          this.expectingKey = true;
          this.member = undefined;
        }
        return;
      case colon:
        if (this.depth === 1) {
          this.expectingKey = false;
        }
        return;
      default:
        if (this.depth === 1 && !this.expectingKey && this.member !== undefined && isScalarByte(byte)) {
          this.tokenIsKey = false;
          this.token = [byte];
        }
    }
  }

  /** Keeps at most one byte past `maxTokenBytes`: enough to know the token is too long. */
  private pushTokenByte(byte: number): void {
    if (this.token !== undefined && this.token.length <= maxTokenBytes) {
      this.token.push(byte);
    }
  }

  private endToken(): void {
    const token = this.token;
    this.token = undefined;
    if (token === undefined) {
      return;
    }
    const value = token.length <= maxTokenBytes ? parseToken(token) : undefined;
    if (this.tokenIsKey) {
      this.member = typeof value === "string" && this.wanted.has(value) ? value : undefined;
    } else if (value === undefined) {
      this.forgetMember();
    } else if (this.member !== undefined) {
      this.found.set(this.member, value);
      this.member = undefined;
    }
  }

  private forgetMember(): void {
    if (this.member !== undefined) {
      this.found.delete(this.member);
      this.member = undefined;
    }
  }
}

function isScalarByte(byte: number): boolean {
  // Digits, '-', '+', '.', and letters (true, false, null, exponents).
  return (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x2b || byte === 0x2e || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a);
}

function parseToken(token: readonly number[]): string | number | boolean | null | undefined {
  try {
    return JSON.parse(Buffer.from(token).toString("utf8")) as string | number | boolean | null;
  } catch {
    return undefined;
  }
}
