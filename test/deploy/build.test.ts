import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** The Dockerfile as stages of instructions (continuation lines joined, comments dropped). */
async function dockerfile(): Promise<Stage[]> {
  const text = (await readFile(path.join(repo, 'Dockerfile'), 'utf8')).replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const [image = '', , name] = args.split(/\s+/);
      stages.push({ from: image, ...(name ? { name } : {}), instructions: [] });
    } else stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

const copies = (stage: Stage) =>
  stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      return { from, sources: paths.slice(0, -1) };
    });

describe('the Dockerfile', () => {
  it('builds on Node 20 slim in stages and runs node dist/index.js as a non-root user with production dependencies only', async () => {
    const stages = await dockerfile();
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^node:20(\.\d+)*-slim$/);
    const runtime = stages.at(-1) as Stage;
    const runs = runtime.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /npm ci\b.*--omit=dev/.test(r) && /--ignore-scripts/.test(r))).toBe(true);
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args ?? 'root';
    expect(user.split(':')[0]).not.toMatch(/^(root|0)$/);
    // The same command as npm start (without npm's exec).
    const start = (JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const entry = runtime.instructions.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').map((i) => JSON.parse(i.args) as string[]);
    expect(entry).toEqual([start.replace(/^exec /, '').split(' ')]);
    expect(entry[0]?.[0]).toBe('node');
    expect(entry[0]?.at(-1)).toBe('dist/index.js');
  });

  it('copies only what exists after the build: context files, and the build stage’s /app output', async () => {
    const stages = await dockerfile();
    const ignored = (await readFile(path.join(repo, '.dockerignore'), 'utf8')).split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    for (const stage of stages) {
      for (const { from, sources } of copies(stage)) {
        for (const source of sources) {
          // The build stage's WORKDIR is /app, holding the context's files and what `npm ci` (prepare) built.
          const local = from === undefined ? source : path.relative('/app', source);
          expect(existsSync(path.join(repo, local)), `COPY ${from ? `--from=${from} ` : ''}${source}`).toBe(true);
          if (from === undefined) expect(ignored, `${source} is in .dockerignore`).not.toContain(source.replace(/\/$/, ''));
        }
      }
    }
    const fromBuild = stages.flatMap((s) => copies(s)).filter((c) => c.from !== undefined);
    expect(fromBuild.flatMap((c) => c.sources)).toContain('/app/dist');
  });

  it('starts with its entry point: node dist/index.js exits 1 naming the missing Slack variables', async () => {
    expect(existsSync(path.join(repo, 'dist/index.js'))).toBe(true);
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['dist/index.js'], { cwd: repo, env: { PATH: process.env.PATH ?? '', DOTENV_CONFIG_PATH: '/nonexistent/.env' } });
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('close', (exit) => resolve({ code: exit, stderr: err }));
    });
    expect(code).toBe(1);
    expect(stderr).toContain('Missing SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET');
  });
});

describe('the build', () => {
  it('runs on npm install (prepare) and npm start runs the compiled JavaScript, not tsx', async () => {
    const pkg = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      engines: { node: string };
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
    // exec: npm's shell is replaced by node, so the SIGTERM npm passes on reaches the bot.
    expect(pkg.scripts.start).toMatch(/^exec node (--[a-z-]+=\S+ )*dist\/index\.js$/);
    expect(pkg.dependencies).not.toHaveProperty('tsx');
    expect(pkg.devDependencies).toHaveProperty('tsx');
    expect(pkg.engines.node).toBe('>=20.19');
    expect((await readFile(path.join(repo, '.nvmrc'), 'utf8')).trim()).toBe('20.19');
  });

  it('emits src/ only: no tests, no sandbox in dist/', async () => {
    const files = (await readdir(path.join(repo, 'dist'), { recursive: true })).map(String);
    expect(files).toContain('index.js');
    expect(files.filter((f) => /(^|\/)(test|sandbox|bench)\//.test(f) || f.includes('.test.'))).toEqual([]);
  });

  it('leaves tsx and esbuild out of the production dependencies (npm ls --omit=dev)', async () => {
    const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repo, maxBuffer: 16 * 1024 * 1024 });
    const names = stdout.split('\n').filter(Boolean).map((p) => path.relative(path.join(repo, 'node_modules'), p));
    expect(names).toContain('@slack/bolt');
    expect(names.filter((n) => /(^|\/)(tsx|esbuild|@esbuild\/[^/]+)$/.test(n))).toEqual([]);
  });
});
