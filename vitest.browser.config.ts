import { defineConfig } from 'vitest/config';

/** `npm run test:browser`: end-to-end tests in headless Chromium (/usr/bin/chromium), apart from `npm test`. */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
