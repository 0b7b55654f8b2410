import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const cwd = fileURLToPath(new URL('../..', import.meta.url));

/** ESLint's findings for `code` as if it were the file at `filePath` (the file need not exist). */
async function lint(filePath: string, code: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd }).lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

describe('the dependency direction', () => {
  it('is a lint error for a service importing a view', async () => {
    const found = await lint(
      'src/services/fixture.ts',
      "import { threadReplies } from '../views/cluster-thread.js';\nexport const created = threadReplies.created('cls-1', 'ap-guangzhou');\n",
    );
    expect(found).toEqual([expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: .*Slack text is made in src\/views/)]);
  });

  it('is a lint error for the lifecycle importing Slack infrastructure or @slack/*', async () => {
    const found = await lint(
      'src/lifecycle/fixture.ts',
      "import type { KnownBlock } from '@slack/types';\nimport { createSlackOutbox } from '../slack/outbox.js';\nexport const make = createSlackOutbox;\nexport type Blocks = KnownBlock[];\n",
    );
    expect(found).toHaveLength(2);
    expect(found.every((f) => f.startsWith('@typescript-eslint/no-restricted-imports'))).toBe(true);
  });

  it('lets a view import the types of services, not their values', async () => {
    const typesOnly = await lint(
      'src/views/fixture.ts',
      "import type { ClusterRecord } from '../services/store-schema.js';\nexport const nameOf = (record: ClusterRecord): string => record.spec.name;\n",
    );
    expect(typesOnly).toEqual([]);
    const value = await lint(
      'src/views/fixture.ts',
      "import { isGone } from '../lifecycle/states.js';\nexport const gone = isGone('Deleted');\n",
    );
    expect(value).toEqual([expect.stringMatching(/Views import only the types/)]);
  });

  it('lets every view import the values of src/services/domain (rule figures, pure helpers), and no other service value', async () => {
    const domain = await lint(
      'src/views/wizard/fixture.ts',
      "import { CLUSTER_NAME_MAX, includesPublic } from '../../services/domain/rules.js';\nexport const max = includesPublic('public') ? CLUSTER_NAME_MAX : 0;\n",
    );
    expect(domain).toEqual([]);
    const rules = await lint(
      'src/views/wizard/fixture.ts',
      "import { checkBasics } from '../../services/cluster-spec.js';\nexport const check = checkBasics;\n",
    );
    expect(rules).toEqual([expect.stringMatching(/Views import only the types/)]);
  });

  it('keeps src/services/domain pure: no value of another service, no I/O', async () => {
    const found = await lint(
      'src/services/domain/fixture.ts',
      "import { readFile } from 'node:fs/promises';\nimport { loadProfiles } from '../profiles.js';\nexport const load = [readFile, loadProfiles];\n",
    );
    expect(found).toEqual([
      expect.stringMatching(/src\/services\/domain does no I\/O/),
      expect.stringMatching(/imports only the types of other services/),
    ]);
  });

  it('passes a clean service', async () => {
    const found = await lint(
      'src/services/fixture.ts',
      "import type { ThreadEvent } from '../lifecycle/events.js';\nexport const ready = (name: string, totalMs: number): ThreadEvent => ({ kind: 'clusterReady', name, totalMs });\n",
    );
    expect(found).toEqual([]);
  });
});
