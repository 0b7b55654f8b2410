import { beforeAll, describe, expect, it } from 'vitest';
import { messageBodyProblems } from '../../src/sandbox/slack/limits.js';
import { loadProfiles } from '../../src/services/profiles.js';
import type { Profile } from '../../src/services/profiles.js';
import { helpMessage } from '../../src/views/help.js';
import { profileListMessage, profileMessage } from '../../src/views/profile.js';

const long = (n: number, seed = 'x') => seed.repeat(Math.ceil(n / seed.length)).slice(0, n);

let mariadb: Profile;
beforeAll(async () => {
  mariadb = (await loadProfiles('data/profiles')).get('ubuntu-mariadb') as Profile;
});

describe('the help', () => {
  it('stays within Slack limits', () => {
    expect(messageBodyProblems(helpMessage())).toEqual([]);
  });

  it("stays within Slack's 3,000-character section when the unknown subcommand is longer than that", () => {
    const reply = helpMessage(long(4000, 'x&<'));
    expect(messageBodyProblems(reply)).toEqual([]);
    expect(reply.text).toContain("I don't know `/tke x&amp;&lt;x&amp;&lt;");
    expect(reply.text.length).toBeLessThan(300);
  });

  it("shows /tke create with its optional name, and /tke list as the clusters of the channel's project", () => {
    const shown = JSON.stringify(helpMessage().blocks);
    expect(shown).toContain('`/tke create [name]` — Create a cluster: opens the cluster wizard, with the name filled in when given.');
    expect(shown).toContain("`/tke list` — List the clusters of this channel's project with their status.");
  });

  it('echoes a short unknown subcommand whole', () => {
    expect(helpMessage('craete').text).toBe("I don't know `/tke craete`. Here is what I can do:");
  });
});

describe('the cluster profile replies', () => {
  const crowded = (i: number): Profile => ({
    ...mariadb,
    name: `profile-${i}-${long(60)}`,
    description: long(2000, 'description '),
    layers: {
      ...mariadb.layers,
      addons: Array.from({ length: 60 }, (_, j) => ({ ...(mariadb.layers.addons[0] as Profile['layers']['addons'][number]), name: `addon-${j}`, values: long(5000, 'key: value\n') })),
    },
  });

  it('lists 120 crowded profiles within Slack limits', () => {
    expect(messageBodyProblems(profileListMessage(Array.from({ length: 120 }, (_, i) => crowded(i))))).toEqual([]);
  });

  it('says when no profile is installed, within Slack limits', () => {
    expect(messageBodyProblems(profileListMessage([]))).toEqual([]);
  });

  it('shows a profile with 60 add-on packs of 5,000-character values within Slack limits', () => {
    expect(messageBodyProblems(profileMessage(crowded(1)))).toEqual([]);
  });

  it('shows pack values with YAML anchors and merge keys as typed, escaped for Slack, within the section limit', () => {
    const anchored: Profile = {
      ...mariadb,
      description: 'MariaDB <primary> & replica',
      layers: { ...mariadb.layers, addons: [{ ...(mariadb.layers.addons[0] as Profile['layers']['addons'][number]), values: `base: &base\n  a: 1\nprimary:\n  <<: *base\n${'x: <&>\n'.repeat(700)}` }] },
    };
    const message = profileMessage(anchored);
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain('MariaDB &lt;primary&gt; &amp; replica');
    expect(shown).toContain('base: &amp;base');
    expect(shown).toContain('&lt;&lt;: *base');
    expect(messageBodyProblems(message)).toEqual([]);
  });

  it('shows a shipped profile within Slack limits', () => {
    expect(messageBodyProblems(profileMessage(mariadb))).toEqual([]);
  });
});
