/**
 * Jest only transpiles, with swc: `npm test` type-checks the whole project once with
 * `tsc --noEmit` first.
 *
 * `@kubernetes/client-node` 1.x and its OIDC dependencies are ES modules. Node loads them from
 * CommonJS, but Jest's module system cannot on Node 20, so under Jest they are transpiled to
 * CommonJS too, and the job's `import()` of the client becomes a `require` Jest can follow.
 * @type {import('jest').Config}
 */
const swc = (syntax) => [
  "@swc/jest",
  {
    jsc: { parser: { syntax }, target: "es2022" },
    module: { type: "commonjs", ignoreDynamic: false },
  },
];
// `@marcbachmann/cel-js`, which evaluates admission policies' CEL in tests, is an ES module too, and
// so are `@octokit/rest` (`flywheel promote --open-pr`) and the packages it loads.
const octokitPackages = ["@octokit", "before-after-hook", "universal-user-agent", "content-type", "json-with-bigint"];
const esmPackages = ["@kubernetes/client-node", "openid-client", "oauth4webapi", "jose", "@marcbachmann/cel-js", ...octokitPackages];
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test", "<rootDir>/flywheel-job/test", "<rootDir>/policies/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": swc("typescript"),
    "^.+\\.js$": swc("ecmascript"),
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join("|")})/)`],
  // One worker per core: Jest's default leaves one core idle, half the machine on 2 cores.
  maxWorkers: "100%",
  // Each shipped stack is rendered once per run and shared (test/support/rendered-stacks.ts).
  globalSetup: "<rootDir>/test/support/render-cache.global-setup.ts",
  globalTeardown: "<rootDir>/test/support/render-cache.global-teardown.ts",
  reporters: ["default", "<rootDir>/test/support/skipped-suites-reporter.js"],
  testTimeout: 60000,
};
