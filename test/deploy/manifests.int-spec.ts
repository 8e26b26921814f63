/**
 * The deployment files in deploy/ checked against the service they deploy: no container or
 * cluster runs here, so this is what keeps the compose file, the Kubernetes manifests, the
 * Prometheus config and the example env files in step with the code. Names the service reads
 * are taken from its config source, and values are fed to its own config loader, so the test
 * fails when the two drift. `docker compose config` and `kubectl kustomize` run when their
 * tools are installed; the reason is printed when they are not.
 */
import { parseConnectionString } from '@eventstore/db-client/dist/Client/parseConnectionString';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { loadConfig } from '../../apps/ledger/src/config/config';

import { parse, parseAllDocuments } from 'yaml';

const yaml = {
  safeLoad: (text: string): unknown => parse(text, { merge: true }),
  safeLoadAll: (text: string): unknown[] => parseAllDocuments(text, { merge: true }).map((document) => document.toJS()),
};

const ROOT = resolve(__dirname, '../..');
const CONFIG_SOURCE = 'apps/ledger/src/config/config.ts';
const COMPOSE_FILE = 'deploy/compose/docker-compose.yml';
const LEDGER_DOCKERFILE = 'deploy/compose/Dockerfile';
const ROLES = ['api', 'projector', 'timers'] as const;
const LIVE_PATH = '/health/live';
const READY_PATH = '/health/ready';

/** Read by Node and its libraries, not by the service's config. */
const RUNTIME_ENV = ['NODE_ENV'];

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const loadYaml = <T>(path: string): T => yaml.safeLoad(read(path)) as T;
const loadYamlAll = <T>(path: string): T[] => yaml.safeLoadAll(read(path)).filter((doc) => doc != null) as T[];

/** Every `env['X']`, `env.X` and `integer(env, 'X', ...)` in the config source. */
function envNamesReadBy(path: string): Set<string> {
  const names = new Set<string>();
  const pattern = /\benv\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]|\benv\.([A-Z][A-Z0-9_]*)\b|\(\s*env\s*,\s*['"]([A-Z][A-Z0-9_]*)['"]/g;
  for (const match of read(path).matchAll(pattern)) names.add((match[1] ?? match[2] ?? match[3])!);
  return names;
}
const SERVICE_ENV = envNamesReadBy(CONFIG_SOURCE);
const DEPLOYABLE_ENV = SERVICE_ENV;

function unknownNames(names: Iterable<string>, allowed: Set<string>): string[] {
  return [...names].filter((name) => !allowed.has(name)).sort();
}

/** KEY=VALUE lines, `#` comments, no quoting: what `--env-file` and `kubectl --from-env-file` take. */
function parseEnvFile(path: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of read(path).split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`${path}: not KEY=VALUE: ${trimmed}`);
    entries[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return entries;
}

const COMPOSE_VARIABLE = /\$\{([A-Z][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

/** Compose-style `${X}`, `${X:-default}` and `${X:?message}` against the given variables. */
function interpolate(value: string, variables: Record<string, string>): string {
  return value.replace(COMPOSE_VARIABLE, (_all, name: string, operator: string | undefined, rest: string | undefined) => {
    const set = variables[name];
    if (set !== undefined && set !== '') return set;
    if (operator === ':-' || operator === '-') return rest ?? '';
    throw new Error(`compose variable ${name} is required and not set`);
  });
}

function hostOf(target: string): string {
  return target.slice(0, target.lastIndexOf(':'));
}
function portOf(target: string): number {
  return Number(target.slice(target.lastIndexOf(':') + 1));
}

function filesUnder(dir: string, keep: (path: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (absolute: string) => {
    for (const entry of readdirSync(absolute)) {
      if (entry === 'node_modules' || entry === 'target') continue;
      const path = join(absolute, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (keep(path)) found.push(relative(ROOT, path));
    }
  };
  walk(join(ROOT, dir));
  return found.sort();
}

/** Checks that need a tool this machine may not have; the reason is printed when they cannot run. */
const notRun: string[] = [];
function toolAvailable(check: string, command: string, args: string[]): boolean {
  const run = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  const reason = run.error
    ? `${command} is not installed (${run.error.message})`
    : run.status !== 0
      ? `\`${command} ${args.join(' ')}\` failed: ${(run.stderr || run.stdout).trim().split('\n')[0]}`
      : null;
  if (reason) notRun.push(`${check} not run: ${reason}`);
  return reason === null;
}

beforeAll(() => {
  for (const line of notRun) process.stdout.write(`deploy manifests: ${line}; the structural checks ran\n`);
});

describe('deployment files', () => {
  it('every YAML file under deploy/ parses', () => {
    const files = filesUnder('deploy', (path) => /\.ya?ml$/.test(path));
    expect(files).toEqual(expect.arrayContaining([COMPOSE_FILE, 'deploy/k8s/kustomization.yaml', 'deploy/prometheus/prometheus.yml']));
    for (const file of files) {
      expect(() => yaml.safeLoadAll(read(file))).not.toThrow();
    }
  });

  it('the service config source still reads the variables this test relies on', () => {
    // A refactor that hides env access from the pattern would otherwise make every check vacuous.
    expect([...SERVICE_ENV]).toEqual(expect.arrayContaining(['PORT', 'DATA_DIR', 'EVENT_STORE_URL', 'KAFKA_BROKERS', 'ADMIN_TOKEN', 'LOG_LEVEL', 'LEDGER_ROLE']));
  });
});

describe('compose: deploy/compose/docker-compose.yml', () => {
  interface ComposeService {
    image?: string;
    build?: { context?: string; dockerfile?: string };
    environment?: Record<string, unknown> | string[];
    command?: string[] | string;
    volumes?: string[];
    healthcheck?: { test?: string[] | string };
    deploy?: { replicas?: unknown };
  }
  const compose = loadYaml<{ services: Record<string, ComposeService> }>(COMPOSE_FILE);
  const composeText = read(COMPOSE_FILE);
  const variables = parseEnvFile('deploy/config/compose.env.example');
  const services = Object.entries(compose.services);
  const serviceNames = new Set(Object.keys(compose.services));

  const envOf = (service: ComposeService): Record<string, string> => {
    const env = service.environment ?? {};
    if (Array.isArray(env)) return Object.fromEntries(env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
  };
  const imageOf = (service: ComposeService) => interpolate(service.image ?? '', variables);

  const eventStoreNodes = services.filter(([, service]) => imageOf(service).startsWith('eventstore/eventstore:'));
  const ledgerServices = services.filter(([, service]) => service.build?.dockerfile === LEDGER_DOCKERFILE);
  const kafkaServices = services.filter(([, service]) => imageOf(service).startsWith('apache/kafka:'));

  it('runs a three-node EventStoreDB cluster whose nodes agree on its size and find each other', () => {
    expect(eventStoreNodes).toHaveLength(3);
    const nodeNames = eventStoreNodes.map(([name]) => name);
    for (const [name, service] of eventStoreNodes) {
      const env = envOf(service);
      expect(Number(env['EVENTSTORE_CLUSTER_SIZE'])).toBe(eventStoreNodes.length);
      expect(env['EVENTSTORE_INSECURE']).toBe(envOf(eventStoreNodes[0]![1])['EVENTSTORE_INSECURE']);
      expect(env['EVENTSTORE_REPLICATION_IP']).toBeDefined();
      expect(env['EVENTSTORE_NODE_HOST_ADVERTISE_AS']).toBe(name);
      const nodePort = Number(env['EVENTSTORE_NODE_PORT'] ?? 2113);
      const seeds = (env['EVENTSTORE_GOSSIP_SEED'] ?? '').split(',').filter(Boolean);
      expect(seeds.map(hostOf).sort()).toEqual(nodeNames.filter((other) => other !== name).sort());
      expect(seeds.every((seed) => portOf(seed) === nodePort)).toBe(true);
      expect(service.volumes?.some((volume) => volume.endsWith(':/var/lib/eventstore'))).toBe(true);
    }
  });

  it('splits the service into the api, projector and timers roles, one image built from the Dockerfile', () => {
    const roles = ledgerServices.map(([, service]) => envOf(service)['LEDGER_ROLE']).sort();
    expect(roles).toEqual([...ROLES].sort());
    expect(new Set(ledgerServices.map(([, service]) => service.image)).size).toBe(1);
    for (const [, service] of ledgerServices) expect(service.build?.context).toBe('../..');
  });

  it('points every role at the cluster with a connection string the EventStoreDB client accepts', () => {
    const nodeNames = eventStoreNodes.map(([name]) => name).sort();
    const insecure = envOf(eventStoreNodes[0]![1])['EVENTSTORE_INSECURE'] === 'true';
    for (const [name, service] of ledgerServices) {
      const url = envOf(service)['EVENT_STORE_URL'] ?? '';
      expect({ name, url }).toEqual({ name, url: expect.stringMatching(/^esdb(\+discover)?:\/\//) });
      const options = parseConnectionString(url);
      if (!options.dnsDiscover) {
        expect(options.hosts.map((host) => host.address).sort()).toEqual(nodeNames);
      }
      for (const host of options.hosts) {
        const node = compose.services[host.address];
        expect(node).toBeDefined();
        expect(host.port).toBe(Number(envOf(node!)['EVENTSTORE_NODE_PORT'] ?? 2113));
      }
      expect(options.tls ?? true).toBe(!insecure);
    }
  });

  it('sets only variables the service reads, with values its config loader accepts', () => {
    for (const [name, service] of ledgerServices) {
      const env = Object.fromEntries(Object.entries(envOf(service)).map(([key, value]) => [key, interpolate(value, variables)]));
      expect({ service: name, unknown: unknownNames(Object.keys(env), DEPLOYABLE_ENV) }).toEqual({ service: name, unknown: [] });
      const config = loadConfig(env);
      expect(config.role).toBe(env['LEDGER_ROLE']);
      expect(config.eventStoreUrl).not.toBeNull();
      // Without a shared token every replica would generate its own.
      expect(config.adminToken).not.toBeNull();
    }
  });

  it('gives Kafka to the projector role only, pointed at a KRaft broker of the compose file', () => {
    expect(kafkaServices).toHaveLength(1);
    const [kafkaName, kafka] = kafkaServices[0]!;
    const kafkaEnv = envOf(kafka);
    expect(kafkaEnv['KAFKA_PROCESS_ROLES']?.split(',').sort()).toEqual(['broker', 'controller']);
    expect(services.some(([name, service]) => /zookeeper/i.test(name) || /zookeeper/i.test(imageOf(service)))).toBe(false);
    const advertised = (kafkaEnv['KAFKA_ADVERTISED_LISTENERS'] ?? '').split(',').map((listener) => listener.replace(/^[A-Z_]+:\/\//, ''));
    for (const [name, service] of ledgerServices) {
      const brokers = envOf(service)['KAFKA_BROKERS'];
      if (envOf(service)['LEDGER_ROLE'] !== 'projector') {
        expect({ name, brokers }).toEqual({ name, brokers: undefined });
        continue;
      }
      for (const broker of (brokers ?? '').split(',')) {
        expect(hostOf(broker)).toBe(kafkaName);
        expect(advertised).toContain(broker);
      }
    }
  });

  it('health-checks every role on the readiness endpoint', () => {
    for (const [, service] of ledgerServices) {
      const test = service.healthcheck?.test;
      expect((Array.isArray(test) ? test.join(' ') : test) ?? '').toContain(READY_PATH);
    }
  });

  it('uses every variable of compose.env.example, and the example sets every required one', () => {
    const referenced = new Set<string>();
    const required = new Set<string>();
    for (const match of composeText.matchAll(COMPOSE_VARIABLE)) {
      referenced.add(match[1]!);
      if (match[2] === undefined || match[2].endsWith('?')) required.add(match[1]!);
    }
    expect(Object.keys(variables).filter((name) => !referenced.has(name))).toEqual([]);
    expect([...required].filter((name) => !(name in variables))).toEqual([]);
  });

  describe('Prometheus: deploy/prometheus/prometheus.yml', () => {
    interface ScrapeConfig {
      job_name: string;
      metrics_path?: string;
      static_configs?: Array<{ targets: string[] }>;
      dns_sd_configs?: Array<{ names: string[]; port: number; type?: string }>;
    }
    const prometheus = loadYaml<{ scrape_configs: ScrapeConfig[] }>('deploy/prometheus/prometheus.yml');
    const targets = prometheus.scrape_configs.flatMap((job) => [
      ...(job.static_configs ?? []).flatMap((group) => group.targets.map((target) => ({ job, host: hostOf(target), port: portOf(target) }))),
      ...(job.dns_sd_configs ?? []).flatMap((sd) => sd.names.map((host) => ({ job, host, port: sd.port }))),
    ]);
    const prometheusService = services.find(([, service]) => imageOf(service).startsWith('prom/prometheus:'));

    it('scrapes only hosts that are compose services', () => {
      const strangers = targets.filter((target) => target.host !== 'localhost' && !serviceNames.has(target.host)).map((target) => target.host);
      expect(strangers).toEqual([]);
    });

    it('scrapes /metrics of every role on its port, every replica, and every EventStoreDB node', () => {
      for (const [name, service] of ledgerServices) {
        const port = loadConfig(Object.fromEntries(Object.entries(envOf(service)).map(([key, value]) => [key, interpolate(value, variables)]))).port;
        const scraped = targets.filter((target) => target.host === name);
        expect({ name, scraped: scraped.length }).toEqual({ name, scraped: 1 });
        expect(scraped[0]!.port).toBe(port);
        expect(scraped[0]!.job.metrics_path ?? '/metrics').toBe('/metrics');
        // Replicated services resolve to one address per replica; only DNS discovery sees them all.
        expect(scraped[0]!.job.dns_sd_configs?.some((sd) => sd.names.includes(name))).toBe(true);
      }
      for (const [name] of eventStoreNodes) expect(targets.map((target) => target.host)).toContain(name);
    });

    it('is the file the compose Prometheus service loads', () => {
      expect(prometheusService).toBeDefined();
      const service = prometheusService![1];
      const mount = service.volumes?.find((volume) => volume.startsWith('../prometheus:'));
      expect(mount).toBeDefined();
      const inside = mount!.split(':')[1]!;
      expect(service.command).toContain(`--config.file=${inside}/prometheus.yml`);
    });
  });

  if (toolAvailable('`docker compose config`', 'docker', ['compose', 'version'])) {
    it('`docker compose config` accepts the file with the example variables', () => {
      const run = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, '--env-file', 'deploy/config/compose.env.example', 'config', '-q'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    });
  }
});

describe('Dockerfile: deploy/compose/Dockerfile', () => {
  const dockerfile = read(LEDGER_DOCKERFILE);
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const argsOf = (keyword: string) => instructions.filter((line) => line.toUpperCase().startsWith(`${keyword} `)).map((line) => line.slice(keyword.length + 1).trim());

  it('builds on node:20-slim and starts the same entry point as `npm start`', () => {
    for (const from of argsOf('FROM')) expect(from.split(/\s+/)[0]).toBe('node:20-slim');
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const cmd = JSON.parse(argsOf('CMD').at(-1)!) as string[];
    expect(cmd.join(' ')).toBe(pkg.scripts['start']);
    expect(argsOf('RUN').join('\n')).toMatch(/npm ci[\s\S]*npm run build/);
  });

  it('sets only variables the service reads, exposes its port and runs as a non-root user', () => {
    const env: Record<string, string> = {};
    for (const args of argsOf('ENV')) for (const match of args.matchAll(/([A-Z][A-Z0-9_]*)=(\S+)/g)) env[match[1]!] = match[2]!;
    expect(unknownNames(Object.keys(env), new Set([...SERVICE_ENV, ...RUNTIME_ENV]))).toEqual([]);
    expect(argsOf('EXPOSE')).toEqual([String(loadConfig(env).port)]);
    expect(argsOf('USER').at(-1)).toBe('node');
  });

  it('has an ignore file that keeps dependencies, build output and data out of the context', () => {
    const ignored = read(`${LEDGER_DOCKERFILE}.dockerignore`).split('\n').map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', 'dist', 'data', '**/*.sqlite']));
  });
});

describe('Kubernetes: deploy/k8s', () => {
  interface Probe { httpGet?: { path?: string; port?: string | number } }
  interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }
  interface Container {
    name: string;
    ports?: Array<{ name?: string; containerPort: number }>;
    env?: EnvVar[];
    envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
    livenessProbe?: Probe;
    readinessProbe?: Probe;
    startupProbe?: Probe;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    volumeMounts?: Array<{ name: string; mountPath: string }>;
    securityContext?: { readOnlyRootFilesystem?: boolean };
  }
  interface Resource {
    apiVersion: string;
    kind: string;
    metadata: { name: string; labels?: Record<string, string> };
    data?: Record<string, string>;
    spec?: {
      replicas?: number;
      selector?: Record<string, string> | { matchLabels: Record<string, string> };
      template?: { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; volumes?: Array<{ name: string }> } };
      ports?: Array<{ port: number; targetPort: string | number }>;
      maxUnavailable?: number | string;
      minAvailable?: number | string;
    };
  }

  const manifestFiles = readdirSync(join(ROOT, 'deploy/k8s')).filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml').sort();
  const kustomization = loadYaml<{ resources: string[] }>('deploy/k8s/kustomization.yaml');
  const resources = manifestFiles.flatMap((file) => loadYamlAll<Resource>(`deploy/k8s/${file}`));
  const ofKind = (kind: string) => resources.filter((resource) => resource.kind === kind);
  const deployments = ofKind('Deployment');
  const configMaps = new Map(ofKind('ConfigMap').map((map) => [map.metadata.name, map.data ?? {}]));
  const secretExample = parseEnvFile('deploy/config/k8s-secret.env.example');
  const roleOf = (deployment: Resource) => deployment.spec!.template!.metadata.labels['app.kubernetes.io/component'];
  const containerOf = (deployment: Resource) => deployment.spec!.template!.spec.containers[0]!;
  const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);

  /** The environment a container would start with, secrets filled from the example file. */
  function environmentOf(container: Container): Record<string, string> {
    const env: Record<string, string> = {};
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef) Object.assign(env, configMaps.get(source.configMapRef.name) ?? {});
    }
    for (const variable of container.env ?? []) {
      const secretRef = variable.valueFrom?.secretKeyRef;
      const mapRef = variable.valueFrom?.configMapKeyRef;
      env[variable.name] = variable.value ?? (secretRef ? secretExample[secretRef.key] : mapRef ? configMaps.get(mapRef.name)?.[mapRef.key] : undefined) ?? '';
    }
    return env;
  }

  it('lists every manifest in kustomization.yaml', () => {
    expect([...kustomization.resources].sort()).toEqual(manifestFiles);
  });

  it('runs each role as a Deployment, and nothing as a StatefulSet (EventStoreDB holds the state)', () => {
    expect(deployments.map(roleOf).sort()).toEqual([...ROLES].sort());
    expect(ofKind('StatefulSet')).toEqual([]);
    for (const deployment of deployments) {
      const selector = deployment.spec!.selector as { matchLabels: Record<string, string> };
      expect(matches(selector.matchLabels, deployment.spec!.template!.metadata.labels)).toBe(true);
      expect(environmentOf(containerOf(deployment))['LEDGER_ROLE']).toBe(roleOf(deployment));
    }
  });

  it.each(ROLES)('the %s Deployment probes liveness and readiness on the health endpoints of a declared port', (role) => {
    const container = containerOf(deployments.find((deployment) => roleOf(deployment) === role)!);
    expect(container.livenessProbe?.httpGet?.path).toBe(LIVE_PATH);
    expect(container.readinessProbe?.httpGet?.path).toBe(READY_PATH);
    const declared = (container.ports ?? []).flatMap((port) => [port.name, port.containerPort]);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe].filter(Boolean)) {
      expect(declared).toContain(probe!.httpGet!.port);
    }
    expect(declared).toContain(loadConfig(environmentOf(container)).port);
  });

  it.each(ROLES)('the %s Deployment has CPU and memory requests and limits', (role) => {
    const { resources: limits } = containerOf(deployments.find((deployment) => roleOf(deployment) === role)!);
    for (const kind of ['requests', 'limits'] as const) {
      expect(Object.keys(limits?.[kind] ?? {}).sort()).toEqual(['cpu', 'memory']);
    }
  });

  it.each(ROLES)('the %s Deployment sets only variables the service reads, with values its config loader accepts', (role) => {
    const deployment = deployments.find((candidate) => roleOf(candidate) === role)!;
    const container = containerOf(deployment);
    const env = environmentOf(container);
    expect(unknownNames(Object.keys(env), DEPLOYABLE_ENV)).toEqual([]);
    const config = loadConfig(env);
    expect(config.adminToken).not.toBeNull();
    // The root filesystem is read-only: DATA_DIR has to be a mounted volume.
    if (container.securityContext?.readOnlyRootFilesystem) {
      expect(container.volumeMounts?.map((mount) => mount.mountPath)).toContain(config.dataDir);
    }
    expect(Boolean(env['KAFKA_BROKERS'])).toBe(role === 'projector');
  });

  it('takes ADMIN_TOKEN and EVENT_STORE_URL from the Secret, never from a literal or a ConfigMap', () => {
    for (const deployment of deployments) {
      const env = containerOf(deployment).env ?? [];
      for (const name of ['ADMIN_TOKEN', 'EVENT_STORE_URL']) {
        const variable = env.find((candidate) => candidate.name === name);
        expect({ role: roleOf(deployment), name, value: variable?.value, secret: variable?.valueFrom?.secretKeyRef?.name }).toEqual({ role: roleOf(deployment), name, value: undefined, secret: 'scim-ledger' });
      }
    }
    for (const data of configMaps.values()) {
      expect(Object.keys(data)).not.toContain('ADMIN_TOKEN');
      expect(Object.keys(data)).not.toContain('EVENT_STORE_URL');
    }
    expect(unknownNames(Object.keys(secretExample), SERVICE_ENV)).toEqual([]);
  });

  it('the example Secret points at a TLS cluster with a CA file the pods mount', () => {
    const options = parseConnectionString(secretExample['EVENT_STORE_URL'] ?? '');
    expect(options.dnsDiscover).toBe(true);
    expect(options.tls ?? true).toBe(true);
    for (const deployment of deployments) {
      const mounts = containerOf(deployment).volumeMounts?.map((mount) => mount.mountPath) ?? [];
      expect(mounts.some((path) => options.tlsCAFile?.startsWith(`${path}/`))).toBe(true);
    }
  });

  it('routes the Service to the api pods on a declared port', () => {
    const [service] = ofKind('Service');
    const api = deployments.find((deployment) => roleOf(deployment) === 'api')!;
    expect(matches(service!.spec!.selector as Record<string, string>, api.spec!.template!.metadata.labels)).toBe(true);
    for (const deployment of deployments.filter((candidate) => candidate !== api)) {
      expect(matches(service!.spec!.selector as Record<string, string>, deployment.spec!.template!.metadata.labels)).toBe(false);
    }
    const declared = (containerOf(api).ports ?? []).flatMap((port) => [port.name, port.containerPort]);
    for (const port of service!.spec!.ports ?? []) expect(declared).toContain(port.targetPort);
  });

  it('guards the api replicas with a PodDisruptionBudget that still lets a node drain', () => {
    const budgets = ofKind('PodDisruptionBudget');
    const api = deployments.find((deployment) => roleOf(deployment) === 'api')!;
    expect(budgets).toHaveLength(1);
    const budget = budgets[0]!.spec!;
    expect(matches((budget.selector as { matchLabels: Record<string, string> }).matchLabels, api.spec!.template!.metadata.labels)).toBe(true);
    const replicas = api.spec!.replicas ?? 1;
    expect(replicas).toBeGreaterThan(1);
    const allowed = budget.maxUnavailable !== undefined ? Number(budget.maxUnavailable) : replicas - Number(budget.minAvailable);
    expect(allowed).toBeGreaterThanOrEqual(1);
    expect(allowed).toBeLessThan(replicas);
  });

  if (toolAvailable('`kubectl kustomize`', 'kubectl', ['version', '--client'])) {
    it('`kubectl kustomize` renders every resource into the namespace', () => {
      const run = spawnSync('kubectl', ['kustomize', 'deploy/k8s'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      const rendered = yaml.safeLoadAll(run.stdout).filter(Boolean) as Array<Resource & { metadata: { namespace?: string } }>;
      expect(rendered.map((resource) => resource.kind).sort()).toEqual(resources.map((resource) => resource.kind).sort());
      for (const resource of rendered.filter((candidate) => candidate.kind !== 'Namespace')) expect(resource.metadata.namespace).toBe('scim-ledger');
    });
  }
});

describe('example configuration: deploy/config', () => {
  it('ledger.env.example sets only variables the service reads, with values its config loader accepts', () => {
    const env = parseEnvFile('deploy/config/ledger.env.example');
    expect(unknownNames(Object.keys(env), DEPLOYABLE_ENV)).toEqual([]);
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('deploy/README.md cites only benchmark files that exist', () => {
    const cited = [...read('deploy/README.md').matchAll(/\bbench\/[\w./-]+\.(?:ts|json|mjs)\b/g)].map((match) => match[0]);
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });
});
