import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Dependencies point one way (README, Architecture): handlers → services/views/slack → lifecycle.
 * The domain (services, lifecycle) never reaches for Slack: no views, handlers, slack or @slack/*.
 */
const domainImports = {
  patterns: [
    { group: ['**/views/**', '**/views'], message: 'The domain returns data and events; Slack text is made in src/views, called from handlers or src/slack.' },
    { group: ['**/handlers/**', '**/handlers'], message: 'The domain never imports handlers.' },
    { group: ['**/slack/**', '**/slack'], message: 'Slack-aware infrastructure (src/slack) sits above the domain; pass it in through an interface.' },
    { group: ['@slack/*'], message: 'The domain never imports @slack/*.' },
  ],
};

/** Views are pure functions of domain data: they may name the domain's types, never call it. */
const viewImports = {
  patterns: [
    {
      group: ['**/services/**', '**/lifecycle/**'],
      allowTypeImports: true,
      message: 'Views import only the types of services and lifecycle (import type); the data comes in as arguments.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'coverage', 'bench/results.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/services/**/*.ts', 'src/lifecycle/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', domainImports] },
  },
  {
    files: ['src/views/**/*.ts'],
    // Still importing domain constants and helpers as values, to be passed in as data instead:
    // the wizard views (reshaped with WizardService), the account and profile views, and the
    // leftover-resources tags.
    ignores: [
      'src/views/wizard/**',
      'src/views/account-modal.ts',
      'src/views/account-list.ts',
      'src/views/profile.ts',
      'src/views/leftover-resources.ts',
    ],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', viewImports] },
  },
);
