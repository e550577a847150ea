import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "flywheel-job/dist/", "constructs/imports/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // Type-aware rules read the one root tsconfig, which includes every workspace.
    languageOptions: { ecmaVersion: 2022, sourceType: "module", parserOptions: { project: "./tsconfig.json", tsconfigRootDir: import.meta.dirname } },
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
    // Tests read synthesised manifests, rendered JSON and wire bodies as untyped JSON on purpose, and
    // their assertions check the shapes at run time; every other type-aware rule applies to them.
    files: ["test/**", "flywheel-job/test/**", "policies/test/**"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable", __dirname: "readonly", process: "readonly", console: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
