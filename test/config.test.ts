import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const slack = { SLACK_BOT_TOKEN: 'xoxb-1-abc', SLACK_SIGNING_SECRET: 'secret' };

describe('configuration', () => {
  it('names the missing Slack variables and the README section', () => {
    expect(() => loadConfig({})).toThrow(/Missing SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.*README\.md, section "Create the Slack app"/s);
  });

  it('refuses a bad value naming the variable', () => {
    expect(() => loadConfig({ ...slack, PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...slack, PORT: 'abc' })).toThrow(/^PORT:/m);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ ...slack, PORT: 'abc', TENCENT_API_ENDPOINT: 'not a url' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'TENCENT_API_ENDPOINT']);
    }
  });

  it('uses PostgreSQL with DATABASE_URL, which needs TKEOPS_MASTER_KEY (replicas share the database, not a key file)', () => {
    const url = 'postgres://tkeops:pw@db.internal:5432/tkeops';
    expect(() => loadConfig({ ...slack, DATABASE_URL: url })).toThrow(/^TKEOPS_MASTER_KEY: required with DATABASE_URL/);
    expect(() => loadConfig({ ...slack, DATABASE_URL: 'mysql://x', TKEOPS_MASTER_KEY: 'k' })).toThrow(/^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(loadConfig({ ...slack, DATABASE_URL: url, TKEOPS_MASTER_KEY: 'k' }).databaseUrl).toBe(url);
    expect(loadConfig(slack).databaseUrl).toBeUndefined();
  });

  it('uses HTTP on port 3000 and data/db.json by default, Socket Mode with an app token', () => {
    const http = loadConfig(slack);
    expect(http).toMatchObject({ port: 3000, dataFile: 'data/db.json', forceDeleteAfterMs: 15 * 60_000 });
    expect(http.slack.appToken).toBeUndefined();
    expect(loadConfig({ ...slack, SLACK_APP_TOKEN: 'xapp-1-x' }).slack.appToken).toBe('xapp-1-x');
  });

  it('refuses a bot token that is not a bot token', () => {
    expect(() => loadConfig({ ...slack, SLACK_BOT_TOKEN: 'xapp-nope' })).toThrow(/SLACK_BOT_TOKEN: must be a bot token/);
  });
});
