/**
 * npm run test:consumer — the packed package, installed from its tarball into
 * a fresh project with public dependencies only. Kept out of `npm test`
 * because it needs the npm registry and about a minute.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: "../..",
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__/consumer"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  testTimeout: 300000,
};
