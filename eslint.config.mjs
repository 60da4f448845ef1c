import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Import boundaries between runtimes (STYLE.md 1): a wrong import is a lint error, not a review note. */
const restrict = (patterns, paths = []) => ({
  'no-restricted-imports': ['error', { patterns, paths }],
});
const NODE_BUILTINS = { group: ['node:*'], message: 'This layer runs without Node.' };
const ELECTRON = { name: 'electron', message: 'Only the entry, window, IPC wiring and app protocol import electron.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: restrict(
      [
        NODE_BUILTINS,
        { group: ['**/src-main/**', '**/src-renderer/**', '**/src-preload/**'], message: 'src-shared imports nothing of the other layers.' },
      ],
      [ELECTRON],
    ),
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // We do not use the React Compiler, so only the two classic hook rules apply.
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      ...restrict(
        [
          NODE_BUILTINS,
          { group: ['**/src-main/**', '**/src-preload/**'], message: 'The renderer reaches main only through window.warden.' },
        ],
        [ELECTRON],
      ),
    },
  },
  {
    files: ['src-renderer/src/**/*.{ts,tsx}'],
    ignores: ['src-renderer/src/api/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'window', property: 'warden', message: 'Use wardenClient (src-renderer/src/api) and a react-query hook.' },
      ],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/index.ts', 'src-main/window.ts', 'src-main/ipc/register.ts', 'src-main/app-protocol.ts'],
    rules: restrict(
      [{ group: ['**/src-renderer/**', '**/src-preload/**'], message: 'Main services do not import the renderer or preload.' }],
      [ELECTRON],
    ),
  },
  {
    files: ['src-preload/**/*.ts'],
    rules: restrict([{ group: ['**/src-main/**', '**/src-renderer/**'], message: 'The preload builds on src-shared only.' }]),
  },
);
