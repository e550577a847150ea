import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "flywheel-job/dist/", "constructs/imports/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", ignoreRestSiblings: true }],
      "no-console": "off",
      eqeqeq: ["error", "always"],
    },
  },
  {
    // The stack, the constructs, the render, the policy pack and their tests use the flywheel job only
    // through its public contract: the job may change inside without the stack noticing.
    files: ["infra/**", "stacks/**", "constructs/**", "render/**", "scripts/**", "test/**", "policies/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/flywheel-job/src/**", "!**/flywheel-job/src/contract"], message: "import the flywheel job only through flywheel-job/src/contract.ts" }] },
      ],
    },
  },
  {
    // The job image holds only the job: its sources import nothing of the stack.
    files: ["flywheel-job/src/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/infra/**", "**/stacks/**", "**/constructs/**", "**/render/**", "**/policies/**"], message: "the job's sources may not import the stack's code" }] },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable", __dirname: "readonly", process: "readonly", console: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
