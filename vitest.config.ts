import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser tests need Chromium: `npm run test:browser` (vitest.browser.config.ts) runs them.
    exclude: [...configDefaults.exclude, 'test/browser/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // dist/ (what `npm start` runs) is rebuilt first when the source is newer; one PostgreSQL
    // server is started for the run (DATABASE_URL_TEST instead, when set).
    globalSetup: ['test/support/build-dist.ts', 'test/support/postgres-server.ts'],
  },
});
