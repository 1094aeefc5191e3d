import type { AccessStore } from '../../domain/ports/index.js';
import { columns } from '../columns.js';
import * as map from '../row-mappers.js';
import type { EntitiesTable, MembershipsTable, UsersTable } from '../schema.js';
import type { PgSession, PgStatement } from './session.js';

const USER_COLUMNS = columns.users;
const MEMBERSHIP_COLUMNS = columns.memberships;

type EntityAccessRow = Omit<EntitiesTable, 'name_key'> & map.JoinedMembershipColumns;

const INSERT_USER: PgStatement = {
  name: 'access.insertUser',
  text: `insert into users (${USER_COLUMNS}) values ($1, $2, $3, $4, $5, $6)`,
};
const FIND_USER: PgStatement = {
  name: 'access.findUser',
  text: `select ${USER_COLUMNS} from users where tenant_id = $1 and id = $2`,
};
const FIND_USER_BY_USERNAME: PgStatement = {
  name: 'access.findUserByUsername',
  text: `select ${USER_COLUMNS} from users where tenant_id = $1 and username = $2`,
};
const LIST_USERS: PgStatement = {
  name: 'access.listUsers',
  text: `select ${USER_COLUMNS} from users where tenant_id = $1 order by created_at, id`,
};
const LIST_USERS_WITH_MEMBERSHIPS: PgStatement = {
  name: 'access.listUsersWithMemberships',
  text: `select u.id, u.tenant_id, u.username, u.home_entity_id, u.status, u.created_at,
           m.entity_id as member_entity_id, m.role as member_role, m.status as member_status,
           m.updated_at as member_updated_at
         from users u left join memberships m on m.user_id = u.id
         where u.tenant_id = $1
         order by u.created_at, u.id, m.entity_id`,
};
const SET_USER_STATUS: PgStatement = {
  name: 'access.setUserStatus',
  text: 'update users set status = $3 where tenant_id = $1 and id = $2',
};
const UPSERT_MEMBERSHIP: PgStatement = {
  name: 'access.upsertMembership',
  text: `insert into memberships (${MEMBERSHIP_COLUMNS}) values ($1, $2, $3, $4, $5)
         on conflict (user_id, entity_id) do update
           set role = excluded.role, status = excluded.status, updated_at = excluded.updated_at`,
};
// By entity id: PostgreSQL's updates move rows, and a list must not change order when one changes.
const LIST_MEMBERSHIPS: PgStatement = {
  name: 'access.listMemberships',
  text: `select ${MEMBERSHIP_COLUMNS} from memberships where user_id = $1 order by entity_id`,
};
const FIND_MEMBERSHIP: PgStatement = {
  name: 'access.findMembership',
  text: `select ${MEMBERSHIP_COLUMNS} from memberships where user_id = $1 and entity_id = $2`,
};
const LOCK_MEMBERSHIP: PgStatement = {
  name: 'access.lockMembership',
  text: `select ${MEMBERSHIP_COLUMNS} from memberships where user_id = $1 and entity_id = $2 for update`,
};
const FIND_ENTITY_ACCESS: PgStatement = {
  name: 'access.findEntityAccess',
  text: `select e.id, e.tenant_id, e.name, e.display_name, e.locale, e.timezone, e.status, e.parent_id,
           e.created_at, m.role as member_role, m.status as member_status, m.updated_at as member_updated_at
         from entities e left join memberships m on m.entity_id = e.id and m.user_id = $3
         where e.tenant_id = $1 and e.id = $2`,
};
// Of two racing first requests for the same pair, the second inserts nothing.
const INSERT_MEMBERSHIP_IF_NONE: PgStatement = {
  name: 'access.insertMembershipIfNone',
  text: `insert into memberships (${MEMBERSHIP_COLUMNS}) values ($1, $2, $3, $4, $5)
         on conflict (user_id, entity_id) do nothing`,
};
const UPDATE_MEMBERSHIP_IF: PgStatement = {
  name: 'access.updateMembershipIf',
  text: `update memberships set role = $3, status = $4, updated_at = $5
         where user_id = $1 and entity_id = $2 and status = $6`,
};
const DELETE_IN_ENTITIES: PgStatement = {
  name: 'access.deleteInEntities',
  text: `with removed as (
           delete from memberships where entity_id = any($1::text[]) returning ${MEMBERSHIP_COLUMNS}
         )
         select ${MEMBERSHIP_COLUMNS} from removed order by user_id, entity_id`,
};

const membershipValues = (m: MembershipsTable) => [m.user_id, m.entity_id, m.role, m.status, m.updated_at];

export function postgresAccessStore(session: PgSession): AccessStore {
  return {
    async insertUser(user) {
      const r = map.fromUser(user);
      await session.count(INSERT_USER, [
        r.id,
        r.tenant_id,
        r.username,
        r.home_entity_id,
        r.status,
        r.created_at,
      ]);
    },
    async findUser(tenantId, id) {
      const [row] = await session.rows<UsersTable>(FIND_USER, [tenantId, id]);
      return row && map.toUser(row);
    },
    async findUserByUsername(tenantId, username) {
      const [row] = await session.rows<UsersTable>(FIND_USER_BY_USERNAME, [tenantId, username]);
      return row && map.toUser(row);
    },
    async listUsers(tenantId) {
      return (await session.rows<UsersTable>(LIST_USERS, [tenantId])).map(map.toUser);
    },
    async listUsersWithMemberships(tenantId) {
      return map.toUsersWithMemberships(
        await session.rows<map.UserMembershipRow>(LIST_USERS_WITH_MEMBERSHIPS, [tenantId]),
      );
    },
    async setUserStatus(tenantId, id, status) {
      await session.count(SET_USER_STATUS, [tenantId, id, status]);
    },
    async upsertMembership(membership) {
      await session.count(UPSERT_MEMBERSHIP, membershipValues(map.fromMembership(membership)));
    },
    async listMemberships(userId) {
      return (await session.rows<MembershipsTable>(LIST_MEMBERSHIPS, [userId])).map(map.toMembership);
    },
    async findMembership(userId, entityId) {
      const [row] = await session.rows<MembershipsTable>(FIND_MEMBERSHIP, [userId, entityId]);
      return row && map.toMembership(row);
    },
    async lockMembership(userId, entityId) {
      const [row] = await session.rows<MembershipsTable>(LOCK_MEMBERSHIP, [userId, entityId]);
      return row && map.toMembership(row);
    },
    async findEntityAccess(tenantId, entityId, userId) {
      const [row] = await session.rows<EntityAccessRow>(FIND_ENTITY_ACCESS, [tenantId, entityId, userId]);
      if (!row) return undefined;
      return { entity: map.toEntity(row), membership: map.toJoinedMembership(userId, row.id, row) };
    },
    async setMembershipIf(membership, expected) {
      const values = membershipValues(map.fromMembership(membership));
      const written =
        expected === null
          ? await session.count(INSERT_MEMBERSHIP_IF_NONE, values)
          : await session.count(UPDATE_MEMBERSHIP_IF, [...values, expected]);
      return written === 1;
    },
    async deleteMembershipsInEntities(entityIds) {
      if (entityIds.length === 0) return [];
      return (await session.rows<MembershipsTable>(DELETE_IN_ENTITIES, [entityIds])).map(map.toMembership);
    },
  };
}
