import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Files that run inside Temporal's workflow sandbox: deterministic, no Node built-ins. */
const workflowFiles = ['services/worker/src/workflows/**/*.ts'];
const noBuiltins = "Workflow code runs in Temporal's sandbox: no Node built-ins (move it to an activity).";
/** The web console's front end (services/api/console/): browser ES modules. */
const consoleFiles = 'services/api/console/**/*.js';
const testFiles = ['**/test/**/*.ts', 'tests/**/*.ts', 'services/kernel/src/testing.ts'];

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.data/', 'coverage/', '**/dist/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'error',
      'import-x/no-cycle': 'error',
      // Every package a file imports is declared by the package.json nearest to it.
      'import-x/no-extraneous-dependencies': ['error', { includeTypes: true }],
      // No deep imports into another workspace package's src/: use its package exports.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/services/*/src/**', '../../*/src/**'],
              message: 'Import the package (@fake-stripe/...), not its src/.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read JSON bodies (typed `any`) and assert their shape with jest's matchers, which are the
    // type checks there; non-null assertions state what the test expects to exist.
    files: testFiles,
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: workflowFiles,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          // Every Node built-in: bare (`fs`, `crypto`) here, as samples-typescript bans them, and
          // `node:*` by the pattern below.
          paths: [
            ...builtinModules
              .filter((name) => !name.startsWith('node:'))
              .map((name) => ({ name, message: noBuiltins })),
            {
              // The root entry re-exports the kernel's Node modules (SQLite, koa, pino); workflows import
              // its /contracts and /workflow-definitions entries. A type import is erased, so it is allowed.
              name: '@fake-stripe/kernel',
              allowTypeImports: true,
              message:
                'The kernel root pulls Node built-ins: import @fake-stripe/kernel/contracts or /workflow-definitions.',
            },
          ],
          patterns: [
            {
              group: ['node:*'],
              message: noBuiltins,
            },
            {
              group: ['@temporalio/worker', '@temporalio/activity', '@temporalio/client'],
              message: 'Workflow code imports only @temporalio/workflow and @temporalio/common.',
            },
            { group: ['**/services/*/src/**', '../../*/src/**'], message: 'Import the package, not its src/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ignores: [consoleFiles],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The web console's pages: ES modules the browser loads as they are (no build step), so its globals.
    files: [consoleFiles],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
);
