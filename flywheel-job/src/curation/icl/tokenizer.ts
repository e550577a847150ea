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
 * Tokens in `text` under cl100k_base. Special-token strings such as `<|endoftext|>` in user text are
 * counted as ordinary text (js-tiktoken would otherwise throw on them).
 */
export function countTokens(text: string): number {
  return text === "" ? 0 : cl100k().encode(text, [], []).length;
}
