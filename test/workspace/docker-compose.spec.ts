import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import { ROOT } from '../support/processes';

interface ComposeService {
  image?: string;
  build?: { dockerfile: string; target: string; args?: { APP?: string } };
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const APPS = readdirSync(join(ROOT, 'apps')).filter((app) => existsSync(join(ROOT, 'apps', app, 'src', 'main.ts')));
const INFRASTRUCTURE = ['postgres', 'nats'];

describe('docker-compose.yml (Docker does not run here, so the file is checked by reading it)', () => {
  const built = Object.entries(compose.services).filter(([, service]) => service.build);

  it('runs every app, and nothing that is not an app besides Postgres and NATS', () => {
    expect(built.map(([name]) => name).sort()).toEqual([...APPS].sort());
    expect(Object.keys(compose.services).filter((name) => !compose.services[name]!.build)).toEqual(INFRASTRUCTURE);
  });

  it('builds each app from the one multi-stage Dockerfile, with the app it names', () => {
    const dockerfile = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThan(1);
    for (const [name, service] of built) {
      expect(service.build).toMatchObject({ dockerfile: 'deploy/Dockerfile', target: 'runtime', args: { APP: name } });
    }
  });

  it('gives every container a health check', () => {
    const unchecked = Object.entries(compose.services).filter(([, service]) => !service.healthcheck?.test?.length);
    expect(unchecked.map(([name]) => name)).toEqual([]);
  });

  it('gives each service its own database and keeps JetStream on a volume', () => {
    const urls = ['identity', 'proposals', 'voting', 'ledger'].map((name) => compose.services[name]!.environment!['DATABASE_URL']!);
    expect(urls.map((url) => url.split('/').pop())).toEqual(['yishi_identity', 'yishi_proposals', 'yishi_voting', 'yishi_ledger']);
    expect(readFileSync(join(ROOT, 'deploy/nats.conf'), 'utf8')).toMatch(/jetstream\s*\{[^}]*store_dir: \/data/);
    expect(compose.volumes).toHaveProperty('nats-data');
  });

  it('holds no secrets: passwords come from the environment', () => {
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    for (const url of text.match(/postgres:\/\/[^\s]+/g) ?? []) expect(url).toMatch(/^postgres:\/\/yishi:\$\{POSTGRES_PASSWORD/);
    expect(compose.services['postgres']!.environment!['POSTGRES_PASSWORD']).toMatch(/^\$\{POSTGRES_PASSWORD/);
  });
});
