// Deployment files: the Dockerfile, docker-compose.yml and the Kubernetes manifests parse, use only
// configuration keys the service knows (checked against defaultConfig and by loading the configuration they
// set), and agree with the service's defaults on the metrics port and the probe paths.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { defaultConfig } from '../../src/config/config-schema';
import { resolveConfig } from '../../src/config/load-config';
import { TELEMETRY_PATHS } from '../../src/telemetry/http-server';
import { repoRoot } from '../support/repo-paths';

const ROOT = repoRoot();
const DEPLOY = join(ROOT, 'deploy');
const PORT = defaultConfig.metrics.port;

/** `TBPTT_<SECTION>_<KEY>` for every key of defaultConfig, and the dotted paths of the file form. */
function knownKeys(): { env: Set<string>; paths: Set<string> } {
  const snake = (camel: string) => camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  const env = new Set<string>(['TBPTT_CONFIG']);
  const paths = new Set<string>();
  for (const [section, value] of Object.entries(defaultConfig)) {
    if (typeof value !== 'object' || value === null) {
      env.add(`TBPTT_${snake(section)}`);
      paths.add(section);
      continue;
    }
    for (const key of Object.keys(value)) {
      env.add(`TBPTT_${snake(section)}_${snake(key)}`);
      paths.add(`${section}.${key}`);
    }
  }
  return { env, paths };
}
const KNOWN = knownKeys();

/** Dotted paths of a nested config-file mapping. */
function filePaths(data: Record<string, unknown>): string[] {
  return Object.entries(data).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).map((n) => `${k}.${n}`) : [k]);
}

/** Loads the configuration from these variables (and file) the way the service does; returns the problems. */
function configProblems(env: Record<string, string>, fileText?: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-config-'));
  try {
    const fullEnv = { ...env };
    if (fileText !== undefined) {
      writeFileSync(join(dir, 'config.yaml'), fileText);
      fullEnv.TBPTT_CONFIG = join(dir, 'config.yaml');
    }
    return resolveConfig({ argv: [], env: fullEnv, cwd: dir }).problems.map((p) => `${p.key}: ${p.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function envOf(list: unknown): Record<string, string> {
  if (Array.isArray(list)) return Object.fromEntries(list.map((e: { name: string; value: string }) => [e.name, String(e.value)]));
  return Object.fromEntries(Object.entries((list ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

describe('the key checks themselves', () => {
  it('reject a misspelt variable and a misspelt file key', () => {
    assert.ok(KNOWN.env.has('TBPTT_TRUNCATION_K_MAX') && KNOWN.env.has('TBPTT_LOG_LEVEL') && KNOWN.paths.has('truncation.kMax'));
    assert.ok(!KNOWN.env.has('TBPTT_TRUNCATION_KMAXX') && !KNOWN.paths.has('truncation.kmax'));
    assert.notDeepEqual(configProblems({ TBPTT_TRUNCATION_KMAXX: '3' }), []);
    assert.notDeepEqual(configProblems({}, 'truncation:\n  kmax: 3\n'), []);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const instr = (name: string) => lines.filter((l) => l.toUpperCase().startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());

  it('is multi-stage: a build stage that compiles, a node:20-slim runtime with production dependencies only', () => {
    const froms = instr('FROM');
    assert.ok(froms.length >= 2, 'at least two stages');
    assert.match(froms[froms.length - 1], /^node:20-slim(\s|$)/);
    assert.ok(lines.some((l) => /npx tsc -p tsconfig\.json/.test(l)), 'compiles with tsc');
    const runtime = text.slice(text.lastIndexOf('\nFROM '));
    assert.match(runtime, /npm ci --omit=dev/);
    assert.match(runtime, /COPY --from=build \/app\/dist\/src/);
  });

  it('runs as a non-root user, exposes the metrics port, checks /healthz, runs `tbptt-stream run`', () => {
    const user = instr('USER').pop();
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user}`);
    assert.deepEqual(instr('EXPOSE'), [String(PORT)]);
    const hc = instr('HEALTHCHECK').join(' ');
    assert.ok(hc.includes(TELEMETRY_PATHS.liveness) && hc.includes(String(PORT)), hc);
    assert.deepEqual(JSON.parse(instr('ENTRYPOINT')[0]), ['node', 'bin/tbptt-stream.js', 'run']);
    assert.ok(existsSync(join(ROOT, 'bin', 'tbptt-stream.js')));
  });

  it('copies only files that exist, and sets only known TBPTT_* variables', () => {
    for (const c of instr('COPY').filter((c) => !c.startsWith('--from'))) {
      for (const src of c.split(/\s+/).slice(0, -1)) assert.ok(existsSync(join(ROOT, src)), `COPY ${src}`);
    }
    const envs = [...text.matchAll(/\b(TBPTT_[A-Z0-9_]+)=/g)].map((m) => m[1]);
    assert.ok(envs.length > 0);
    for (const e of envs) assert.ok(KNOWN.env.has(e), `${e} is not a configuration key`);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8'));
  const services = compose.services as Record<string, Record<string, unknown>>;

  it('has Kafka (apache/kafka 3.9 in KRaft mode), the service built from the Dockerfile, Prometheus and Grafana', () => {
    for (const s of ['kafka', 'tbptt-stream', 'prometheus', 'grafana']) assert.ok(services[s], s);
    assert.match(services.kafka.image as string, /^apache\/kafka:3\.9\.\d+$/);
    const kafkaEnv = envOf(services.kafka.environment);
    assert.match(kafkaEnv.KAFKA_PROCESS_ROLES, /controller/);
    assert.match(kafkaEnv.KAFKA_ADVERTISED_LISTENERS, /PLAINTEXT:\/\/kafka:9092/);
    const build = services['tbptt-stream'].build as { context: string; dockerfile: string };
    assert.ok(existsSync(join(DEPLOY, build.context, build.dockerfile)), 'the Dockerfile the build names');
    assert.ok(existsSync(join(DEPLOY, build.context, 'package.json')), 'the build context is the repository');
  });

  it('every TBPTT_* variable is a configuration key, and the service loads them without a problem', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const k of Object.keys(envOf(s.environment)).filter((k) => k.startsWith('TBPTT_'))) {
        assert.ok(KNOWN.env.has(k), `${name}: ${k} is not a configuration key`);
      }
    }
    const env = envOf(services['tbptt-stream'].environment);
    assert.deepEqual(configProblems(env), []);
    assert.equal(env.TBPTT_KAFKA_BROKERS, 'kafka:9092', 'the broker is the kafka service');
  });

  it('publishes the metrics port that Prometheus scrapes; Grafana gets our provisioning and dashboards', () => {
    const env = envOf(services['tbptt-stream'].environment);
    const port = Number(env.TBPTT_METRICS_PORT ?? PORT);
    assert.equal(port, PORT, 'the default port (Dockerfile, probes, scrape config)');
    assert.ok((services['tbptt-stream'].ports as string[]).includes(`${port}:${port}`));
    const prom = parse(readFileSync(join(DEPLOY, 'prometheus', 'prometheus.yml'), 'utf8'));
    const targets = prom.scrape_configs.flatMap((j: { static_configs: { targets: string[] }[] }) => j.static_configs.flatMap((c) => c.targets));
    assert.ok(targets.includes(`tbptt-stream:${port}`), 'prometheus.yml scrapes the compose service');
    const promVolumes = services.prometheus.volumes as string[];
    assert.ok(promVolumes.some((v) => v.startsWith('./prometheus:/etc/prometheus')));
    assert.ok((services.prometheus.command as string[]).includes('--config.file=/etc/prometheus/prometheus.yml'));

    const grafanaVolumes = (services.grafana.volumes as string[]).map((v) => v.split(':'));
    const mount = (host: string) => grafanaVolumes.find(([h]) => h === host)?.[1];
    assert.equal(mount('../grafana/provisioning'), '/etc/grafana/provisioning');
    const provider = parse(readFileSync(join(ROOT, 'grafana', 'provisioning', 'dashboards', 'tbptt.yml'), 'utf8')).providers[0];
    assert.equal(mount('../grafana/dashboards'), provider.options.path, 'dashboards mounted where the provider reads them');
    const home = envOf(services.grafana.environment).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    assert.ok(existsSync(join(ROOT, 'grafana', 'dashboards', posix.relative(provider.options.path, home))), home);
    const ds = parse(readFileSync(join(ROOT, 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')).datasources[0];
    assert.ok(services[new URL(ds.url).hostname], `datasource host ${ds.url} is a compose service`);
    assert.ok((services.prometheus.ports as string[]).some((p) => p.endsWith(`:${new URL(ds.url).port}`)));
  });
});

describe('kubernetes manifests', () => {
  const dir = join(DEPLOY, 'kubernetes');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const docs = files.filter((f) => f !== 'kustomization.yaml').flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => {
    assert.deepEqual(d.errors, [], f);
    return d.toJS() as { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: Record<string, unknown>; data?: Record<string, string> };
  }));
  const one = (kind: string) => {
    const found = docs.filter((d) => d.kind === kind);
    assert.equal(found.length, 1, kind);
    return found[0];
  };

  it('every manifest has apiVersion, kind and a name; kustomization lists every file', () => {
    for (const d of docs) assert.ok(d.apiVersion && d.kind && d.metadata?.name, JSON.stringify(d).slice(0, 80));
    const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
    assert.deepEqual([...kustomization.resources].sort(), files.filter((f) => f !== 'kustomization.yaml'));
  });

  it('the Deployment probes /healthz and /readyz on the metrics port, runs as non-root and sets resources', () => {
    const dep = one('Deployment');
    const pod = (dep.spec.template as { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> });
    const c = (pod.spec.containers as Record<string, unknown>[])[0] as {
      ports: { name: string; containerPort: number }[]; livenessProbe: { httpGet: { path: string; port: string } };
      readinessProbe: { httpGet: { path: string; port: string } }; resources: { requests: object; limits: object };
      securityContext: { allowPrivilegeEscalation: boolean }; env: { name: string; value: string }[];
      volumeMounts: { name: string; mountPath: string }[];
    };
    const metrics = c.ports.find((p) => p.name === 'metrics');
    assert.equal(metrics?.containerPort, PORT);
    assert.deepEqual(c.livenessProbe.httpGet, { path: TELEMETRY_PATHS.liveness, port: 'metrics' });
    assert.deepEqual(c.readinessProbe.httpGet, { path: TELEMETRY_PATHS.readiness, port: 'metrics' });
    assert.ok(c.resources.requests && c.resources.limits);
    const psc = pod.spec.securityContext as { runAsNonRoot: boolean; runAsUser: number };
    assert.equal(psc.runAsNonRoot, true);
    assert.ok(psc.runAsUser > 0);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual((dep.spec.selector as { matchLabels: object }).matchLabels, pod.metadata.labels);
  });

  it('the ConfigMap holds a config file with known keys only; the Deployment mounts it where TBPTT_CONFIG points', () => {
    const cm = one('ConfigMap');
    const text = cm.data!['config.yaml'];
    for (const p of filePaths(parse(text))) assert.ok(KNOWN.paths.has(p), `config.yaml: ${p} is not a configuration key`);
    const dep = one('Deployment');
    const pod = (dep.spec.template as { spec: { containers: { env: { name: string; value: string }[]; volumeMounts: { name: string; mountPath: string }[] }[]; volumes: { name: string; configMap?: { name: string } }[] } }).spec;
    const env = envOf(pod.containers[0].env);
    for (const k of Object.keys(env).filter((k) => k.startsWith('TBPTT_'))) assert.ok(KNOWN.env.has(k), `${k} is not a configuration key`);
    const volume = pod.volumes.find((v) => v.configMap?.name === cm.metadata.name);
    assert.ok(volume, 'the ConfigMap is mounted');
    const mount = pod.containers[0].volumeMounts.find((m) => m.name === volume.name)!;
    assert.equal(env.TBPTT_CONFIG, posix.join(mount.mountPath, 'config.yaml'));
    const { TBPTT_CONFIG: _file, ...rest } = env;
    assert.deepEqual(configProblems(rest, text), [], 'the service loads the file without a problem');
    const cfg = parse(text);
    assert.equal(cfg.metrics?.port ?? PORT, PORT);
  });

  it('the Service names its port metrics; the ServiceMonitor scrapes that port of that Service', () => {
    const svc = one('Service');
    const ports = svc.spec.ports as { name: string; port: number; targetPort: string }[];
    assert.deepEqual(ports.find((p) => p.name === 'metrics'), { name: 'metrics', port: PORT, targetPort: 'metrics', protocol: 'TCP' });
    const pod = (one('Deployment').spec.template as { metadata: { labels: Record<string, string> } }).metadata.labels;
    for (const [k, v] of Object.entries(svc.spec.selector as Record<string, string>)) assert.equal(pod[k], v, `Service selector ${k}`);
    const sm = one('ServiceMonitor');
    assert.equal(sm.apiVersion, 'monitoring.coreos.com/v1');
    const endpoints = sm.spec.endpoints as { port: string; path: string }[];
    assert.deepEqual(endpoints.map((e) => [e.port, e.path]), [['metrics', TELEMETRY_PATHS.metrics]]);
    for (const [k, v] of Object.entries((sm.spec.selector as { matchLabels: Record<string, string> }).matchLabels)) assert.equal(svc.metadata.labels?.[k], v);
  });

  it('the PrometheusRule carries exactly the rules of deploy/prometheus/alerts.yml', () => {
    const alerts = parse(readFileSync(join(DEPLOY, 'prometheus', 'alerts.yml'), 'utf8'));
    assert.deepEqual(one('PrometheusRule').spec, alerts);
  });
});
