/**
 * Token counting with cl100k_base: js-tiktoken's ranks and its algorithm — the pre-tokenising
 * pattern, then each piece's UTF-8 bytes merged pair by pair, lowest rank first — counting only.
 *
 * js-tiktoken's own `Tiktoken` is not used: it also builds a decoder (100,000 Uint8Arrays), from an
 * intermediate object of every token, which kept 35 MB of heap, took 90 MB of RSS and a second while
 * it was built, on top of what reading the logs had left. Here one Map holds the ranks, keyed by the
 * token's bytes as a latin1 string (one character per byte): 7 MB, built in a fifth of a second,
 * once, on first use. The counts are js-tiktoken's (a test compares them).
 *
 * js-tiktoken ships CommonJS builds but only ESM type declarations, which a CommonJS module cannot
 * import; the ranks are therefore loaded with `require` and typed through a type-only import.
 */
import type cl100kBase from "js-tiktoken/ranks/cl100k_base" with { "resolution-mode": "import" };

type Cl100kRanks = typeof cl100kBase;

interface Encoding {
  /** The pre-tokenising pattern (global, Unicode). */
  readonly pattern: RegExp;
  /** Rank of every token, by its bytes as latin1. */
  readonly ranks: ReadonlyMap<string, number>;
}

let encoding: Encoding | undefined;

function cl100k(): Encoding {
  if (!encoding) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see the note at the top of this file
    const bpe = require("js-tiktoken/ranks/cl100k_base") as Cl100kRanks;
    const ranks = new Map<string, number>();
    // Each line: a label, the rank of its first token, then the tokens in base64.
    for (const line of bpe.bpe_ranks.split("\n")) {
      const [, first, ...tokens] = line.split(" ");
      let rank = Number.parseInt(first, 10);
      for (const token of tokens) {
        ranks.set(Buffer.from(token, "base64").toString("latin1"), rank++);
      }
    }
    encoding = { pattern: new RegExp(bpe.pat_str, "gu"), ranks };
  }
  return encoding;
}

/**
 * Runs the tokenizer cannot handle in reasonable time: the byte-pair merge is quadratic in the
 * length of one pre-tokenised piece, and cl100k_base's pattern makes every run of letters (a Chinese
 * or Japanese paragraph has no spaces), of symbols or of whitespace one piece. Measured with
 * js-tiktoken: a 2,000-character Chinese paragraph took 5.6 s, a 40,000-letter blob 110 s.
 */
const longRun = /\p{L}{64,}|[^\s\p{L}\p{N}]{64,}|\s{64,}/gu;
const sliceLength = 64;

/**
 * Tokens in `text` under cl100k_base. Special-token strings such as `<|endoftext|>` in user text are
 * counted as ordinary text. Long runs (see `longRun`) are counted in 64-character slices, which at
 * worst overcounts by about a token per slice (a merge cannot cross a cut): a budget stays safe, and
 * a 1 MB blob costs seconds instead of hours.
 */
export function countTokens(text: string): number {
  if (text === "") {
    return 0;
  }
  const { pattern, ranks } = cl100k();
  let tokens = 0;
  const rest = text.replace(longRun, (run) => {
    const characters = [...run];
    for (let i = 0; i < characters.length; i += sliceLength) {
      tokens += countEncoded(characters.slice(i, i + sliceLength).join(""), pattern, ranks);
    }
    return " ";
  });
  return tokens + countEncoded(rest, pattern, ranks);
}

function countEncoded(text: string, pattern: RegExp, ranks: ReadonlyMap<string, number>): number {
  let tokens = 0;
  for (const match of text.matchAll(pattern)) {
    const piece = Buffer.from(match[0], "utf8").toString("latin1");
    tokens += ranks.has(piece) ? 1 : mergedLength(piece, ranks);
  }
  return tokens;
}

/** How many tokens byte-pair merging leaves of a piece: always the adjacent pair of lowest rank first, the leftmost on a tie. */
function mergedLength(piece: string, ranks: ReadonlyMap<string, number>): number {
  /** Where each part starts; a part ends where the next starts. */
  const starts = Array.from({ length: piece.length }, (_, i) => i);
  while (starts.length > 1) {
    let lowest = Infinity;
    let at = -1;
    for (let i = 0; i < starts.length - 1; i++) {
      const rank = ranks.get(piece.slice(starts[i], i + 2 < starts.length ? starts[i + 2] : piece.length));
      if (rank !== undefined && rank < lowest) {
        lowest = rank;
        at = i;
      }
    }
    if (at === -1) {
      break;
    }
    starts.splice(at + 1, 1);
  }
  return starts.length;
}
