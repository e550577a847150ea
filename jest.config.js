/**
 * Jest only transpiles (isolatedModules in tsconfig.json): `npm test` type-checks the whole project
 * once with `tsc --noEmit` first, which keeps each test file at ~1.5 s instead of ~13 s.
 *
 * `@kubernetes/client-node` 1.x and its OIDC dependencies are ES modules. Node loads them from
 * CommonJS, but Jest's module system cannot on Node 20, so under Jest they are transpiled to
 * CommonJS, and TypeScript is emitted as CommonJS throughout (these options go on top of
 * tsconfig.json) so the job's `import()` of the client becomes a `require` Jest can follow. The
 * first run after a cache clear spends ~20 s transpiling the client; later runs read the cache.
 * @type {import('jest').Config}
 */
const commonJs = { module: "commonjs", moduleResolution: "node10" };
const esmPackages = ["@kubernetes/client-node", "openid-client", "oauth4webapi", "jose"];
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test", "<rootDir>/flywheel-job/test", "<rootDir>/policies/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: commonJs }],
    "^.+\\.js$": ["ts-jest", { tsconfig: { ...commonJs, allowJs: true } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join("|")})/)`],
  testTimeout: 60000,
};
