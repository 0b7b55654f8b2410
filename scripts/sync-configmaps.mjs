// Rewrites deploy/kubernetes/configmap-{policy,profiles}.yaml from data/ (npm run sync-configmaps):
// the ConfigMaps ship as copies of data/policy.yaml and data/profiles/*.yaml, and npm test checks they match.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const indent = (text) => text.split('\n').map((line) => (line === '' ? '' : `    ${line}`)).join('\n');

/** Keeps the file's header (comments and metadata, up to `data:`) and writes each file as a block scalar under it. */
async function sync(manifest, files) {
  const target = path.join(repo, 'deploy/kubernetes', manifest);
  const current = await readFile(target, 'utf8');
  const header = current.slice(0, current.indexOf('\ndata:\n') + '\ndata:\n'.length);
  const entries = files.map(({ key, text }) => `  ${key}: |\n${indent(text.endsWith('\n') ? text.slice(0, -1) : text)}\n`);
  await writeFile(target, header + entries.join(''));
}

await sync('configmap-policy.yaml', [{ key: 'policy.yaml', text: await readFile(path.join(repo, 'data/policy.yaml'), 'utf8') }]);
const profiles = (await readdir(path.join(repo, 'data/profiles'))).filter((f) => f.endsWith('.yaml')).sort();
await sync(
  'configmap-profiles.yaml',
  await Promise.all(profiles.map(async (key) => ({ key, text: await readFile(path.join(repo, 'data/profiles', key), 'utf8') }))),
);
