import { type AdminUser, admin, signInWithClient, type TenantSession } from '../api.js';
import { ActionResult, Empty, ErrorBox, Table } from '../components.js';
import { useAction, useLoad } from '../hooks.js';
import type { TabProps } from './view.js';

/** The tenant's users, each of whom the operator can open the tenant view as. */
export function UsersTab({
  token,
  tenantId,
  tick,
  entityName,
  onOpenTenant,
}: TabProps & { entityName: (id: string | null) => string; onOpenTenant: (session: TenantSession) => void }) {
  const users = useLoad(
    () => admin<{ users: AdminUser[] }>(token, 'GET', `/tenants/${tenantId}/users`).then((r) => r.users),
    [token, tenantId, tick],
  );
  const action = useAction();
  /**
   * The admin API issues no token itself: the console makes the user an OAuth client for the
   * entities the user can access (answered with its secret once), exchanges it for a token at
   * /oauth/token and forgets the secret. The client stays in the tenant (and its audit trail).
   */
  const openAs = (user: AdminUser) =>
    action.run(`Signed in as ${user.username}.`, async () => {
      const entities = [...new Set([user.homeEntityId, ...Object.keys(user.access)])];
      const client = await admin<{ clientId: string; clientSecret: string }>(
        token,
        'POST',
        `/tenants/${tenantId}/clients`,
        { user: user.id, entities },
      );
      onOpenTenant(
        await signInWithClient(client.clientId, client.clientSecret, {
          username: user.username,
          via: 'operator',
        }),
      );
    });
  const list = users.data ?? [];
  return (
    <>
      <ErrorBox error={users.error} />
      {list.length === 0 ? (
        <Empty>
          No users. Add them in the tenant's fixture (users[]), or with POST /admin/v1/tenants/{tenantId}
          /users.
        </Empty>
      ) : (
        <Table columns={['Username', 'Status', 'Home entity', 'Active access', 'Tenant view']}>
          {list.map((user) => (
            <tr key={user.id}>
              <td>{user.username}</td>
              <td>
                <span class={`badge ${user.status}`}>{user.status}</span>
              </td>
              <td>{entityName(user.homeEntityId)}</td>
              <td>
                {Object.entries(user.access)
                  .map(([id, role]) => `${entityName(id)}: ${role}`)
                  .join(', ')}
              </td>
              <td>
                <button
                  type="button"
                  disabled={user.status !== 'Active' || action.busy}
                  aria-label={`Open as this user: ${user.username}`}
                  onClick={() => void openAs(user)}
                >
                  Open as this user
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
      <ActionResult action={action} />
    </>
  );
}
