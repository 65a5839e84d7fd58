/** Jest runs the TypeScript sources as ESM through SWC (no build step; Node 24 runs them directly). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2024' },
        module: { type: 'es6' },
      },
    ],
  },
  testMatch: ['<rootDir>/services/*/test/**/*.test.ts', '<rootDir>/tests/**/*.test.ts'],
  setupFiles: ['<rootDir>/jest.setup.js'],
  testTimeout: 30_000,
  maxWorkers: 2,
};
