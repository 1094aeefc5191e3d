// Checked by `npm run typecheck`, not run: each generated type and TypeBox's Static of the schema it
// was made from are assignable both ways, so a generator that mistranslated a schema fails the
// type-check even where the generated text is current.
import type { Static } from 'typebox';
import type * as admin from '../../../src/contract/admin.js';
import type * as adminOps from '../../../src/contract/admin-operations.js';
import type * as entities from '../../../src/contract/entities.js';
import type * as connections from '../../../src/contract/entity-connections.js';
import type * as oauth from '../../../src/contract/oauth.js';
import type * as users from '../../../src/contract/users.js';
import type * as generated from '../src/contract.generated.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;

export type Agreement = [
  Check<Same<Static<typeof oauth.TokenResponse>, generated.TokenResponse>>,
  Check<Same<Static<typeof entities.Entity>, generated.Entity>>,
  Check<Same<Static<typeof entities.ListEntitiesQuery>, generated.ListEntitiesQuery>>,
  Check<Same<Static<typeof entities.ListEntitiesResponse>, generated.ListEntitiesResponse>>,
  Check<Same<Static<typeof entities.GetEntityResponse>, generated.GetEntityResponse>>,
  Check<Same<Static<typeof entities.CreateEntityRequest>, generated.CreateEntityRequest>>,
  Check<Same<Static<typeof entities.CreateEntityResponse>, generated.CreateEntityResponse>>,
  Check<Same<Static<typeof entities.UpdateEntityRequest>, generated.UpdateEntityRequest>>,
  Check<Same<Static<typeof connections.EntityConnection>, generated.EntityConnection>>,
  Check<Same<Static<typeof connections.ListEntityConnectionsQuery>, generated.ListEntityConnectionsQuery>>,
  Check<
    Same<Static<typeof connections.ListEntityConnectionsResponse>, generated.ListEntityConnectionsResponse>
  >,
  Check<
    Same<Static<typeof connections.CreateEntityConnectionRequest>, generated.CreateEntityConnectionRequest>
  >,
  Check<
    Same<Static<typeof connections.CreateEntityConnectionResponse>, generated.CreateEntityConnectionResponse>
  >,
  Check<Same<Static<typeof users.AccessibleEntitiesResponse>, generated.AccessibleEntitiesResponse>>,
  Check<Same<Static<typeof users.SendUserAccessRequest>, generated.SendUserAccessRequest>>,
  Check<Same<Static<typeof admin.CreatedTenant>, generated.CreatedTenant>>,
  Check<Same<Static<typeof admin.TenantDetail>, generated.TenantDetail>>,
  Check<Same<Static<typeof admin.ClockState>, generated.ClockState>>,
  Check<Same<Static<typeof admin.AdminUser>, generated.AdminUser>>,
  Check<Same<Static<typeof admin.AdminClient>, generated.AdminClient>>,
  Check<Same<Static<typeof admin.SetClockBody>, generated.SetClockBody>>,
  Check<Same<Static<typeof admin.AdvanceClockBody>, generated.AdvanceClockBody>>,
  Check<Same<Static<typeof admin.AuditQuery>, generated.AuditQuery>>,
  Check<Same<Static<typeof admin.AdminAuditEvent>, generated.AdminAuditEvent>>,
  Check<Same<Static<typeof adminOps.CreateFaultRuleRequest>, generated.CreateFaultRuleRequest>>,
  Check<Same<Static<typeof adminOps.FaultRuleResponse>, generated.FaultRuleResponse>>,
  Check<Same<Static<typeof adminOps.JournalQuery>, generated.JournalQuery>>,
  Check<Same<Static<typeof adminOps.JournalResponse>, generated.JournalResponse>>,
  Check<Same<Static<typeof adminOps.LimitSettings>, generated.LimitSettings>>,
  Check<Same<Static<typeof adminOps.LimitsResponse>, generated.LimitsResponse>>,
];
