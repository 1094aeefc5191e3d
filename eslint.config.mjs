// ESLint runs one rule Biome cannot check fully: promises left floating. An un-awaited store call
// is the likeliest bug here (a write outside its transaction, an error nobody sees), and the rule
// needs the type checker to know what returns a promise. Biome's own nursery/noFloatingPromises
// (2.6.8) misses calls through objects a factory returns, as every service is here. Everything
// else is Biome's (`npm run lint` runs both). See scripts/eslint-typescript5.cjs for TypeScript 5.
import tseslint from 'typescript-eslint';

export default tseslint.config({
  files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
  languageOptions: {
    parser: tseslint.parser,
    parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
  },
  linterOptions: { reportUnusedDisableDirectives: 'error' },
  plugins: { '@typescript-eslint': tseslint.plugin },
  rules: {
    '@typescript-eslint/no-floating-promises': [
      'error',
      {
        // node:test's describe and it return promises the runner itself awaits.
        allowForKnownSafeCalls: [
          { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          { from: 'file', path: 'test/helpers/node-test.ts', name: ['it', 'test'] },
        ],
      },
    ],
  },
});
