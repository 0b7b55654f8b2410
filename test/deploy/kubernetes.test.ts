import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = path.join(repo, 'deploy/kubernetes');

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } } & Record<string, unknown>;

/** The model class of each kind we ship; `validate()` checks an object against the Kubernetes (or CRD) JSON schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

async function documents(file: string): Promise<Manifest[]> {
  return parseAllDocuments(await readFile(path.join(dir, file), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Manifest;
  });
}

function validate(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
}

async function kustomized(): Promise<Manifest[]> {
  const kustomization = parse(await readFile(path.join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  return (await Promise.all(kustomization.resources.map(documents))).flat();
}

const byKind = (all: Manifest[], kind: string) => all.filter((m) => m.kind === kind);

interface Container {
  image: string;
  ports: { name: string; containerPort: number }[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  startupProbe?: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  securityContext: { runAsNonRoot: boolean; runAsUser: number };
  containers: Container[];
  volumes: { name: string; persistentVolumeClaim?: { claimName: string }; configMap?: { name: string } }[];
}
const podOf = (deployment: Manifest) => (deployment.spec as { template: { spec: PodSpec } }).template.spec;

describe('deploy/kubernetes', () => {
  it('has a kustomization whose every resource validates against the Kubernetes schemas', async () => {
    const all = await kustomized();
    for (const manifest of all) expect(() => validate(manifest), `${manifest.kind} ${manifest.metadata.name}`).not.toThrow();
    expect(all.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'PersistentVolumeClaim', 'Service']);
  });

  it('would catch a broken manifest (the schemas are really checked)', async () => {
    const [deployment] = byKind(await kustomized(), 'Deployment');
    const broken = structuredClone(deployment) as Manifest;
    podOf(broken).containers[0]!.ports[0]!.containerPort = 'http' as unknown as number;
    expect(() => validate(broken)).toThrow();
  });

  it('runs the bot as a non-root user on a read-only root filesystem, with resources and probes on /healthz and /readyz', async () => {
    const [deployment] = byKind(await kustomized(), 'Deployment');
    const pod = podOf(deployment as Manifest);
    const [container] = pod.containers;
    if (!container) throw new Error('no container');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(Object.keys(container.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(container.resources.limits.memory).toBeDefined();
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    // The probes hit the port the bot listens on (PORT).
    const port = container.ports.find((p) => p.name === container.readinessProbe.httpGet.port);
    expect(String(port?.containerPort)).toBe(container.env.find((e) => e.name === 'PORT')?.value);
    expect(container.ports.find((p) => p.name === 'metrics')?.containerPort).toBe(Number(container.env.find((e) => e.name === 'METRICS_PORT')?.value));
  });

  it('takes the Slack tokens and TKEOPS_MASTER_KEY from a Secret, never from the manifests', async () => {
    const [deployment] = byKind(await kustomized(), 'Deployment');
    const env = podOf(deployment as Manifest).containers[0]?.env ?? [];
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'TKEOPS_MASTER_KEY', 'SLACK_APP_TOKEN']) {
      const variable = env.find((e) => e.name === name);
      expect(variable?.value, name).toBeUndefined();
      expect(variable?.valueFrom?.secretKeyRef, name).toMatchObject({ name: 'tkeops', key: name });
    }
    expect(env.find((e) => e.name === 'SLACK_APP_TOKEN')?.valueFrom?.secretKeyRef?.optional).toBe(true);
    const [example] = await documents('secret.example.yaml');
    expect(() => validate(example as Manifest)).not.toThrow();
    expect(Object.keys((example as unknown as { stringData: object }).stringData).sort()).toEqual(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'TKEOPS_MASTER_KEY']);
  });

  it('sets only variables the bot reads, and points the store at the volume and policy and profiles at their ConfigMaps', async () => {
    const all = await kustomized();
    const pod = podOf(byKind(all, 'Deployment')[0] as Manifest);
    const container = pod.containers[0] as Container;
    const documented = [...(await readFile(path.join(repo, '.env.example'), 'utf8')).matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    for (const variable of container.env) expect(documented, variable.name).toContain(variable.name);
    const mountOf = (volumeName: string) => container.volumeMounts.find((m) => m.name === volumeName)?.mountPath ?? '(not mounted)';
    const volume = (predicate: (v: PodSpec['volumes'][number]) => boolean) => pod.volumes.find(predicate)?.name ?? '(none)';
    const value = (name: string) => container.env.find((e) => e.name === name)?.value ?? '';

    const claim = byKind(all, 'PersistentVolumeClaim')[0]?.metadata.name;
    expect(path.dirname(value('DATA_FILE'))).toBe(mountOf(volume((v) => v.persistentVolumeClaim?.claimName === claim)));
    expect(path.dirname(value('POLICY_FILE'))).toBe(mountOf(volume((v) => v.configMap?.name === 'tkeops-policy')));
    expect(value('PROFILES_DIR')).toBe(mountOf(volume((v) => v.configMap?.name === 'tkeops-profiles')));
    const configMaps = byKind(all, 'ConfigMap').map((m) => m.metadata.name);
    for (const v of pod.volumes) if (v.configMap) expect(configMaps).toContain(v.configMap.name);
  });

  it('ships ConfigMaps holding the policy and the cluster profiles of data/', async () => {
    const all = await kustomized();
    const data = (name: string) => (all.find((m) => m.metadata.name === name) as unknown as { data: Record<string, string> }).data;
    expect(data('tkeops-policy')).toEqual({ 'policy.yaml': await readFile(path.join(repo, 'data/policy.yaml'), 'utf8') });
    const files = (await readdir(path.join(repo, 'data/profiles'))).sort();
    expect(Object.keys(data('tkeops-profiles')).sort()).toEqual(files);
    for (const file of files) expect(data('tkeops-profiles')[file]).toBe(await readFile(path.join(repo, 'data/profiles', file), 'utf8'));
  });

  it('exposes the http and metrics ports through the Service, selecting the Deployment’s pods', async () => {
    const all = await kustomized();
    const service = byKind(all, 'Service')[0] as { spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] } } & Manifest;
    const deployment = byKind(all, 'Deployment')[0] as Manifest;
    const podLabels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    expect(podLabels).toMatchObject(service.spec.selector);
    expect(service.spec.ports.map((p) => p.targetPort).sort()).toEqual(['http', 'metrics']);
  });

  it('has an optional ServiceMonitor (a CRD, outside the default resources) that validates and scrapes the metrics port', async () => {
    const [monitor] = await documents('optional/servicemonitor.yaml');
    expect(() => validate(monitor as Manifest)).not.toThrow();
    const service = byKind(await kustomized(), 'Service')[0] as Manifest;
    const spec = (monitor as unknown as { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } }).spec;
    expect(service.metadata.labels).toMatchObject(spec.selector.matchLabels);
    expect(spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
  });
});
