/**
 * Token counting with cl100k_base (js-tiktoken). The encoder takes most of a second and ~70 MB to
 * build, so it is built once, on first use, and shared.
 *
 * js-tiktoken ships CommonJS builds but only ESM type declarations, which a CommonJS module cannot
 * import; the modules are therefore loaded with `require` and typed through `import()` types.
 */
type TiktokenModule = typeof import("js-tiktoken/lite", { with: { "resolution-mode": "import" } });
type Cl100kRanks = (typeof import("js-tiktoken/ranks/cl100k_base", { with: { "resolution-mode": "import" } }))["default"];
type Encoder = InstanceType<TiktokenModule["Tiktoken"]>;

let encoder: Encoder | undefined;

function cl100k(): Encoder {
  if (!encoder) {
    /* eslint-disable @typescript-eslint/no-require-imports -- see the note at the top of this file */
    const { Tiktoken } = require("js-tiktoken/lite") as TiktokenModule;
    const ranks = require("js-tiktoken/ranks/cl100k_base") as Cl100kRanks;
    /* eslint-enable @typescript-eslint/no-require-imports */
    encoder = new Tiktoken(ranks);
  }
  return encoder;
}

/**
 * Runs the tokenizer cannot handle in reasonable time: js-tiktoken's byte-pair merge is quadratic in
 * the length of one pre-tokenised piece, and cl100k_base's pattern makes every run of letters (a
 * Chinese or Japanese paragraph has no spaces), of symbols or of whitespace one piece. Measured: a
 * 2,000-character Chinese paragraph took 5.6 s, a 40,000-letter blob 110 s.
 */
const longRun = /\p{L}{64,}|[^\s\p{L}\p{N}]{64,}|\s{64,}/gu;
const sliceLength = 64;

/**
 * Tokens in `text` under cl100k_base. Special-token strings such as `<|endoftext|>` in user text are
 * counted as ordinary text (js-tiktoken would otherwise throw on them). Long runs (see `longRun`) are
 * counted in 64-character slices, which at worst overcounts by about a token per slice (a merge
 * cannot cross a cut): a budget stays safe, and a 1 MB blob costs seconds instead of hours.
 */
export function countTokens(text: string): number {
  if (text === "") {
    return 0;
  }
  const encoder = cl100k();
  let tokens = 0;
  const rest = text.replace(longRun, (run) => {
    const characters = [...run];
    for (let i = 0; i < characters.length; i += sliceLength) {
      tokens += encoder.encode(characters.slice(i, i + sliceLength).join(""), [], []).length;
    }
    return " ";
  });
  return tokens + encoder.encode(rest, [], []).length;
}
