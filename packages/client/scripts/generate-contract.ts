// Writes src/contract.generated.ts: the client's wire types, made from the server's TypeBox schemas
// (src/contract), so the client is typed by the same schemas the server validates and serializes
// with. Run by `npm run build` (scripts/build.mjs); packages/client/test/contract-types.test.ts fails
// when the committed file differs from what this makes now.
//
// Only this script reads src/contract: the client's own code imports the generated file, which is
// types alone, so nothing of the server is loaded at run time.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as admin from '../../../src/contract/admin.js';
import * as adminOps from '../../../src/contract/admin-operations.js';
import * as common from '../../../src/contract/common.js';
import * as entities from '../../../src/contract/entities.js';
import * as connections from '../../../src/contract/entity-connections.js';
import * as fixture from '../../../src/contract/fixture.js';
import * as oauth from '../../../src/contract/oauth.js';
import * as users from '../../../src/contract/users.js';

type Schema = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  patternProperties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  const?: unknown;
  description?: string;
};

/** The named types, in the order they are written. A schema met again inside another is referred to by name. */
const named: Array<[string, unknown]> = [
  ['ErrorResponse', common.ErrorResponse],
  ['CommonResponse', common.CommonResponse],
  ['TokenRequest', oauth.TokenRequest],
  ['TokenResponse', oauth.TokenResponse],
  ['Entity', entities.Entity],
  ['ListEntitiesQuery', entities.ListEntitiesQuery],
  ['ListEntitiesResponse', entities.ListEntitiesResponse],
  ['GetEntityResponse', entities.GetEntityResponse],
  ['CreateEntityRequest', entities.CreateEntityRequest],
  ['CreateEntityResponse', entities.CreateEntityResponse],
  ['UpdateEntityRequest', entities.UpdateEntityRequest],
  ['EntityConnection', connections.EntityConnection],
  ['ListEntityConnectionsQuery', connections.ListEntityConnectionsQuery],
  ['ListEntityConnectionsResponse', connections.ListEntityConnectionsResponse],
  ['CreateEntityConnectionRequest', connections.CreateEntityConnectionRequest],
  ['CreateEntityConnectionResponse', connections.CreateEntityConnectionResponse],
  ['AccessibleEntitiesResponse', users.AccessibleEntitiesResponse],
  ['SendUserAccessRequest', users.SendUserAccessRequest],
  ['FixtureEntity', fixture.FixtureEntity],
  ['FixtureClient', fixture.FixtureClient],
  ['FixtureUser', fixture.FixtureUser],
  ['FixtureConnection', fixture.FixtureConnection],
  ['LimitSettings', adminOps.LimitSettings],
  ['Limits', adminOps.Limits],
  ['FixtureTenant', fixture.FixtureTenant],
  ['Fixture', fixture.Fixture],
  ['AdminFixtureClient', admin.AdminFixtureClient],
  ['AdminFixtureUser', admin.AdminFixtureUser],
  ['CreateTenantBody', admin.CreateTenantBody],
  ['CreatedClient', admin.CreatedClient],
  ['ClockState', admin.ClockState],
  ['TenantSummary', admin.TenantSummary],
  ['TenantDetail', admin.TenantDetail],
  ['CreatedTenant', admin.CreatedTenant],
  ['AdminUser', admin.AdminUser],
  ['CreateUserBody', admin.CreateUserBody],
  ['AdminClient', admin.AdminClient],
  ['CreateClientBody', admin.CreateClientBody],
  ['SetClockBody', admin.SetClockBody],
  ['AdvanceClockBody', admin.AdvanceClockBody],
  ['AuditQuery', admin.AuditQuery],
  ['AdminAuditEvent', admin.AdminAuditEvent],
  ['CreateFaultRuleRequest', adminOps.CreateFaultRuleRequest],
  ['FaultRule', adminOps.FaultRule],
  ['FaultRuleResponse', adminOps.FaultRuleResponse],
  ['FaultRuleListResponse', adminOps.FaultRuleListResponse],
  ['ClearedResponse', adminOps.ClearedResponse],
  ['JournalQuery', adminOps.JournalQuery],
  ['JournalEntry', adminOps.JournalEntry],
  ['JournalResponse', adminOps.JournalResponse],
  ['LimitsResponse', adminOps.LimitsResponse],
];

interface Route {
  operationId?: string;
  params?: unknown;
  querystring?: unknown;
  body?: unknown;
  response: Record<number, unknown>;
}

/** Every operation the client calls, by Zuora's operationId (admin routes without one are named here). */
const operations: Array<[string, Route]> = [
  ['createToken', oauth.tokenRoute],
  ['POST_Entities', entities.createEntityRoute],
  ['GET_Entities', entities.listEntitiesRoute],
  ['GET_EntityById', entities.getEntityRoute],
  ['PUT_Entities', entities.updateEntityRoute],
  ['DELETE_Entities', entities.deleteEntityRoute],
  ['PUT_ProvisionEntity', entities.provisionEntityRoute],
  ['GET_EntityConnections', connections.listEntityConnectionsRoute],
  ['POST_EntityConnections', connections.createEntityConnectionRoute],
  ['PUT_EntityConnectionsAccept', connections.acceptEntityConnectionRoute],
  ['PUT_EntityConnectionsDeny', connections.denyEntityConnectionRoute],
  ['PUT_EntityConnectionsDisconnect', connections.disconnectEntityConnectionRoute],
  ['GET_EntitiesUserAccessible', users.accessibleEntitiesRoute],
  ['PUT_SendUserAccessRequests', users.requestUserAccessRoute],
  ['PUT_AcceptUserAccess', users.acceptUserAccessRoute],
  ['PUT_DenyUserAccess', users.denyUserAccessRoute],
  ['Admin_CreateTenant', admin.createTenantRoute],
  ['Admin_ListTenants', admin.listTenantsRoute],
  ['Admin_GetTenant', admin.getTenantRoute],
  ['Admin_DeleteTenant', admin.deleteTenantRoute],
  ['Admin_ResetTenant', admin.resetTenantRoute],
  ['Admin_CreateUser', admin.createUserRoute],
  ['Admin_ListUsers', admin.listUsersRoute],
  ['Admin_DeactivateUser', admin.deactivateUserRoute],
  ['Admin_CreateClient', admin.createClientRoute],
  ['Admin_ListClients', admin.listClientsRoute],
  ['Admin_DeactivateClient', admin.deactivateClientRoute],
  ['Admin_GetClock', admin.getClockRoute],
  ['Admin_SetClock', admin.setClockRoute],
  ['Admin_AdvanceClock', admin.advanceClockRoute],
  ['Admin_ResetClock', admin.resetClockRoute],
  ['Admin_ListAudit', admin.listAuditRoute],
  ['Admin_CreateFaultRule', adminOps.createFaultRuleRoute],
  ['Admin_ListFaultRules', adminOps.listFaultRulesRoute],
  ['Admin_ClearFaultRules', adminOps.clearFaultRulesRoute],
  ['Admin_DeleteFaultRule', adminOps.deleteFaultRuleRoute],
  ['Admin_ListJournal', adminOps.listJournalRoute],
  ['Admin_ClearJournal', adminOps.clearJournalRoute],
  ['Admin_GetLimits', adminOps.getLimitsRoute],
  ['Admin_SetLimits', adminOps.setLimitsRoute],
];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function comment(text: string | undefined, pad: string): string {
  return text ? `${pad}/** ${text.replaceAll('*/', '*\\/')} */\n` : '';
}

export function renderContractTypes(): string {
  const names = new Map<unknown, string>();
  const type = (schema: Schema, pad: string, self?: unknown): string => {
    const name = names.get(schema);
    if (name !== undefined && schema !== self) return name;
    if ('const' in schema) {
      return typeof schema.const === 'string'
        ? `'${schema.const.replaceAll("'", "\\'")}'`
        : String(schema.const);
    }
    if (schema.anyOf) return schema.anyOf.map((s) => type(s, pad)).join(' | ');
    switch (schema.type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'null':
        return 'null';
      case 'array':
        return `Array<${type(schema.items ?? {}, pad)}>`;
      case 'object': {
        if (schema.patternProperties) {
          const [value] = Object.values(schema.patternProperties);
          return `Record<string, ${type(value ?? {}, pad)}>`;
        }
        const required = new Set(schema.required ?? []);
        const inner = `${pad}  `;
        const lines = Object.entries(schema.properties ?? {}).map(([key, value]) => {
          const label = IDENTIFIER.test(key) ? key : JSON.stringify(key);
          const optional = required.has(key) ? '' : '?';
          return `${comment(value.description, inner)}${inner}${label}${optional}: ${type(value, inner)};\n`;
        });
        return lines.length === 0 ? 'Record<string, never>' : `{\n${lines.join('')}${pad}}`;
      }
      default:
        return 'unknown';
    }
  };

  let out =
    "// Generated by packages/client/scripts/generate-contract.ts from the server's TypeBox schemas\n" +
    '// (src/contract). Do not edit: `npm run build` writes it again, and a test fails when it is stale.\n\n';
  for (const [name, schema] of named) {
    const body = type(schema as Schema, '', schema);
    out += comment((schema as Schema).description, '');
    out += body.startsWith('{\n')
      ? `export interface ${name} ${body}\n\n`
      : `export type ${name} = ${body};\n\n`;
    names.set(schema, name);
  }
  out += "/** Each operation's path parameters, query, body and success response, by operationId. */\n";
  out += 'export interface Operations {\n';
  for (const [operationId, route] of operations) {
    const success = route.response[200] ?? route.response[201] ?? route.response[204];
    const parts: Array<[string, unknown]> = [
      ['params', route.params],
      ['query', route.querystring],
      ['body', route.body],
      ['response', success],
    ];
    out += `  ${operationId}: {\n`;
    for (const [part, schema] of parts) {
      out += `    ${part}: ${schema === undefined ? 'never' : type(schema as Schema, '    ')};\n`;
    }
    out += '  };\n';
  }
  out += '}\n';
  return out;
}

export const generatedPath = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'src',
  'contract.generated.ts',
);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(generatedPath, renderContractTypes());
}
