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

/**
 * Views are pure functions of domain data: they may name the services' and lifecycle's types,
 * never call them. The one exception is src/services/domain: types, rule figures and pure helpers
 * with no I/O (limits, which endpoints an access choice asks for, a profile's packs), which the
 * views need to draw the same limits the rules apply.
 */
const viewImports = {
  patterns: [
    {
      group: ['**/services/**', '!**/services/domain', '!**/services/domain/**', '**/lifecycle/**'],
      allowTypeImports: true,
      message: 'Views import only the types of services and lifecycle (import type), and values of src/services/domain only; the data comes in as arguments.',
    },
  ],
};

/** What views may import as values stays pure: the domain imports other services' types only, and no I/O. */
const pureDomainImports = {
  patterns: [
    ...domainImports.patterns,
    { group: ['../**'], allowTypeImports: true, message: 'src/services/domain imports only the types of other services (views import its values).' },
    { group: ['node:*', 'fs', 'fs/*', 'http', 'https', 'net'], message: 'src/services/domain does no I/O.' },
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
    files: ['src/services/domain/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', pureDomainImports] },
  },
  {
    files: ['src/views/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', viewImports] },
  },
);
