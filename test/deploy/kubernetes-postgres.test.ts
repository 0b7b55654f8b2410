import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

/**
 * deploy/kubernetes-postgres: the two-replica variant on PostgreSQL, a kustomize overlay of
 * deploy/kubernetes. Rendered by the real kustomize (`kubectl kustomize`), then every document is
 * checked against the Kubernetes schemas.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = path.join(repo, 'deploy/kubernetes-postgres');

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } } & Record<string, unknown>;
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};
function validate(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
}

async function rendered(): Promise<Manifest[]> {
  const { stdout } = await promisify(execFile)('kubectl', ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((doc) => doc.toJS() as Manifest);
}

interface Env {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Pod {
  metadata: { labels: Record<string, string> };
  spec: {
    containers: { env: Env[]; volumeMounts: { name: string; mountPath: string }[] }[];
    volumes: { name: string; persistentVolumeClaim?: unknown }[];
    topologySpreadConstraints?: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }[];
  };
}
interface DeploymentSpec {
  replicas: number;
  strategy: { type: string; rollingUpdate?: { maxUnavailable: number } };
  template: Pod;
}

describe('deploy/kubernetes-postgres', () => {
  it('renders with kustomize into resources that validate, without the lowdb volume claim, with a PodDisruptionBudget', async () => {
    const all = await rendered();
    for (const manifest of all) expect(() => validate(manifest), `${manifest.kind} ${manifest.metadata.name}`).not.toThrow();
    expect(all.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service']);
  });

  it('runs two replicas on different nodes, rolled one at a time, on DATABASE_URL from the Secret and no volume', async () => {
    const all = await rendered();
    const spec = (all.find((m) => m.kind === 'Deployment') as unknown as { spec: DeploymentSpec }).spec;
    expect(spec.replicas).toBe(2);
    expect(spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const pod = spec.template;
    expect(pod.spec.topologySpreadConstraints?.[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: pod.metadata.labels } });
    const [container] = pod.spec.containers;
    const env = container?.env ?? [];
    expect(env.find((e) => e.name === 'DATABASE_URL')).toEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'tkeops', key: 'DATABASE_URL' } } });
    expect(env.find((e) => e.name === 'TKEOPS_MASTER_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'tkeops', key: 'TKEOPS_MASTER_KEY' });
    expect(env.map((e) => e.name)).not.toContain('DATA_FILE');
    expect(pod.spec.volumes.filter((v) => v.persistentVolumeClaim)).toEqual([]);
    for (const mount of container?.volumeMounts ?? []) expect(pod.spec.volumes.map((v) => v.name)).toContain(mount.name);
    const documented = [...(await readFile(path.join(repo, '.env.example'), 'utf8')).matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    for (const variable of env) expect(documented, variable.name).toContain(variable.name);

    const pdb = all.find((m) => m.kind === 'PodDisruptionBudget') as unknown as { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } };
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pod.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
  });

  it('has an example Secret with DATABASE_URL beside the Slack tokens and the master key', async () => {
    const example = parse(await readFile(path.join(dir, 'secret.example.yaml'), 'utf8')) as Manifest & { stringData: Record<string, string> };
    expect(() => validate(example)).not.toThrow();
    expect(Object.keys(example.stringData).sort()).toEqual(['DATABASE_URL', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'TKEOPS_MASTER_KEY']);
    expect(example.stringData.DATABASE_URL).toMatch(/^postgres:\/\//);
  });
});
