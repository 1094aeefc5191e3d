import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config.js';
import {
  DEMO_CLIENT_IDS,
  type DemoSecrets,
  demoPlan,
  demoVariables,
  exportLines,
} from '../domain/demo-tenant.js';
import { isPostgresUrl } from '../storage/open-store.js';

/**
 * What `serve` keeps of the demo tenant beside a SQLite database (mode 0600; the database holds only
 * the secrets' hashes), so that later starts and `multientity env` can print them again. A file
 * written by a version before the README's tenant holds only `clientId` and `clientSecret` of a
 * tenant with other ids.
 */
export interface DemoCredentials extends Partial<DemoSecrets> {
  clientId: string;
  clientSecret: string;
  apacClientId?: string;
  tenantId?: string;
  globalEntityId?: string;
}

export function credentialsPath(config: Config): string | null {
  if (config.db === ':memory:' || isPostgresUrl(config.db)) return null;
  return join(dirname(config.db), 'demo-credentials.json');
}

export function readDemoCredentials(config: Config): DemoCredentials | null {
  const file = credentialsPath(config);
  return file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials) : null;
}

export function demoCredentials(secrets: DemoSecrets): DemoCredentials {
  const plan = demoPlan();
  return {
    tenantId: plan.tenant.id,
    globalEntityId: plan.entities[0]?.id ?? '',
    clientId: DEMO_CLIENT_IDS.admin,
    apacClientId: DEMO_CLIENT_IDS.apac,
    ...secrets,
  };
}

export function writeDemoCredentials(config: Config, credentials: DemoCredentials): void {
  const file = credentialsPath(config);
  if (!file) return;
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Whether the credentials are of the README's tenant (not of an older version's demo). */
export function isReadmeDemo(credentials: DemoCredentials): boolean {
  return credentials.clientId === DEMO_CLIENT_IDS.admin;
}

/** The URL a client on this machine uses for a server listening on host:port. */
export function localUrl(host: string, port: number): string {
  const local = ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(host);
  const name = local ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

/** The id of one of the demo's entities, by name. */
export function demoEntityId(name: string): string {
  return demoPlan().entities.find((entity) => entity.name === name)?.id ?? '';
}

/** The `export` lines of the README's variables. */
export function demoExports(base: string, credentials: Partial<DemoSecrets>, operatorToken?: string) {
  return exportLines(
    demoVariables({
      base,
      secrets: { clientSecret: credentials.clientSecret, apacClientSecret: credentials.apacClientSecret },
      operatorToken,
    }),
  );
}
