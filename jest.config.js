/**
 * Type checking runs once, as the first step of `npm test` (tsc --noEmit);
 * ts-jest only transpiles, which keeps each test file fast.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // The consumer test needs the npm registry: npm run test:consumer (see __tests__/consumer/).
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/__tests__/consumer/"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  testTimeout: 60000,
};
