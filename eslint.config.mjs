// Lint config: typescript-eslint's recommended type-aware-free rules over every service.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'test-artifacts/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // The storefront's plain ES modules run in the browser.
  { files: ['services/frontend/public/**/*.js'], languageOptions: { globals: globals.browser } },
  // Node scripts run as they are (the local cluster's load generator, the chart's helm test).
  { files: ['k8s/**/*.mjs', 'charts/**/*.mjs'], languageOptions: { globals: globals.node } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
);
