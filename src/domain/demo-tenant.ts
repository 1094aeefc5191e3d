import { type PlannedTenant, planFixture } from './fixture-plan.js';
import type { IdGenerator } from './ids.js';

/**
 * The README's tenant: what a first start on an empty database creates, so that every example of
 * the README runs as printed. Its ids are the same on every machine: the tenant's comes from its
 * `idSeed`, the entities' and users' from the tenant id and their names, the clients' are fixed
 * below, and the ids its requests make (a new entity, a connection) follow the seed, so a run of the
 * README after a reset answers the same ids again. Only the client secrets are random: a secret
 * printed in a public README would be everyone's.
 */
export const DEMO_ID_SEED = 'multientity-readme';

/** The demo's OAuth clients. Fixed, not derived, so that a reader can find them in the code. */
export const DEMO_CLIENT_IDS = {
  /** admin@acme.test: the global entity's administrator, in all four entities. */
  admin: '3f2b8a61-5c1e-4d7a-9b0e-6a1d2c3e4f50',
  /** apac-admin@acme.test: Acme-APAC's administrator, only there. */
  apac: '9c4e1d72-0b3a-4f68-8e25-7d6c5b4a3f21',
} as const;

/** The generated secrets, the only part of the demo that is not the same everywhere. */
export interface DemoSecrets {
  clientSecret: string;
  apacClientSecret: string;
}

export function demoSecrets(ids: IdGenerator): DemoSecrets {
  return { clientSecret: ids.secret(40), apacClientSecret: ids.secret(40) };
}

/**
 * Acme: a global entity and three provisioned sub-entities, and the users the README's examples
 * need. admin@acme.test administers Global, Acme-US and Acme-EU (entities, connections) and is a
 * Standard User of Acme-APAC, so that asking access there for sales@acme.test (home Acme-US) leaves
 * sales Pending Review until apac-admin@acme.test accepts or denies it.
 */
export function demoFixture(secrets: DemoSecrets) {
  return {
    tenants: [
      {
        name: 'Acme',
        idSeed: DEMO_ID_SEED,
        apiVersion: '2024-05-20',
        entities: [
          {
            name: 'Global',
            displayName: 'Acme',
            locale: 'en_US',
            timezone: 'GMT',
            children: [
              { name: 'Acme-US', locale: 'en_US', timezone: 'America/New_York' },
              { name: 'Acme-EU', locale: 'de_DE', timezone: 'Europe/Berlin' },
              { name: 'Acme-APAC', locale: 'en_AU', timezone: 'Australia/Sydney' },
            ],
          },
        ],
        users: [
          {
            username: 'admin@acme.test',
            homeEntity: 'Global',
            access: {
              Global: 'Administrator',
              'Acme-US': 'Administrator',
              'Acme-EU': 'Administrator',
              'Acme-APAC': 'Standard User',
            },
            clients: [
              {
                clientId: DEMO_CLIENT_IDS.admin,
                clientSecret: secrets.clientSecret,
                entities: ['Global', 'Acme-US', 'Acme-EU', 'Acme-APAC'],
              },
            ],
          },
          {
            username: 'apac-admin@acme.test',
            homeEntity: 'Acme-APAC',
            access: { 'Acme-APAC': 'Administrator' },
            clients: [
              {
                clientId: DEMO_CLIENT_IDS.apac,
                clientSecret: secrets.apacClientSecret,
                entities: ['Acme-APAC'],
              },
            ],
          },
          { username: 'sales@acme.test', homeEntity: 'Acme-US' },
        ],
        connections: [],
      },
    ],
  };
}

/** The demo's records, planned without a database: its ids are known before (and without) a start. */
export function demoPlan(): PlannedTenant {
  const placeholder = 'x'.repeat(40);
  const [plan] = planFixture(demoFixture({ clientSecret: placeholder, apacClientSecret: placeholder }));
  if (plan === undefined) throw new Error('the demo fixture plans no tenant');
  return plan;
}

/**
 * The shell variables the README's examples use, in the order `serve` and `multientity env` print
 * them. A secret left undefined (not known to the caller) is left out.
 */
export function demoVariables(options: {
  base: string;
  secrets: Partial<DemoSecrets>;
  operatorToken: string | undefined;
}): [name: string, value: string][] {
  const plan = demoPlan();
  const entity = (name: string) => plan.entities.find((e) => e.name === name)?.id ?? '';
  const variables: [string, string | undefined][] = [
    ['BASE', options.base],
    ['TENANT_ID', plan.tenant.id],
    ['GLOBAL_ID', entity('Global')],
    ['US_ID', entity('Acme-US')],
    ['EU_ID', entity('Acme-EU')],
    ['APAC_ID', entity('Acme-APAC')],
    ['CLIENT_ID', DEMO_CLIENT_IDS.admin],
    ['CLIENT_SECRET', options.secrets.clientSecret],
    ['APAC_CLIENT_ID', DEMO_CLIENT_IDS.apac],
    ['APAC_CLIENT_SECRET', options.secrets.apacClientSecret],
    ['OPERATOR_TOKEN', options.operatorToken],
  ];
  return variables.filter((v): v is [string, string] => v[1] !== undefined);
}

/** `export NAME='value'` lines, quoted for sh. */
export function exportLines(variables: [string, string][]): string[] {
  return variables.map(([name, value]) => `export ${name}='${value.replaceAll("'", `'\\''`)}'`);
}
