import type SqliteDatabase from 'better-sqlite3';
import type { AccessStore } from '../../domain/ports/index.js';
import { columns } from '../columns.js';
import * as map from '../row-mappers.js';
import type { EntitiesTable, MembershipsTable, UsersTable } from '../schema.js';

const USER_COLUMNS = columns.users;
const MEMBERSHIP_COLUMNS = columns.memberships;

type EntityAccessRow = Omit<EntitiesTable, 'name_key'> & map.JoinedMembershipColumns;

/** Compares two memberships by user, then entity: SQLite's binary collation, for their ASCII ids. */
const byUserThenEntity = (a: MembershipsTable, b: MembershipsTable) =>
  a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : a.entity_id < b.entity_id ? -1 : 1;

export function sqliteAccessStore(db: SqliteDatabase.Database): AccessStore {
  const insertUser = db.prepare<[UsersTable]>(
    `insert into users (${USER_COLUMNS})
     values (@id, @tenant_id, @username, @home_entity_id, @status, @created_at)`,
  );
  const findUser = db.prepare<[string, string], UsersTable>(
    `select ${USER_COLUMNS} from users where tenant_id = ? and id = ?`,
  );
  const findUserByUsername = db.prepare<[string, string], UsersTable>(
    `select ${USER_COLUMNS} from users where tenant_id = ? and username = ?`,
  );
  const listUsers = db.prepare<[string], UsersTable>(
    `select ${USER_COLUMNS} from users where tenant_id = ? order by created_at, id`,
  );
  const listUsersWithMemberships = db.prepare<[string], map.UserMembershipRow>(
    `select u.id, u.tenant_id, u.username, u.home_entity_id, u.status, u.created_at,
       m.entity_id as member_entity_id, m.role as member_role, m.status as member_status,
       m.updated_at as member_updated_at
     from users u left join memberships m on m.user_id = u.id
     where u.tenant_id = ?
     order by u.created_at, u.id, m.entity_id`,
  );
  const setUserStatus = db.prepare<[string, string, string]>(
    'update users set status = ? where tenant_id = ? and id = ?',
  );
  const upsertMembership = db.prepare<[MembershipsTable]>(
    `insert into memberships (${MEMBERSHIP_COLUMNS}) values (@user_id, @entity_id, @role, @status, @updated_at)
     on conflict (user_id, entity_id) do update
       set role = excluded.role, status = excluded.status, updated_at = excluded.updated_at`,
  );
  const listMemberships = db.prepare<[string], MembershipsTable>(
    `select ${MEMBERSHIP_COLUMNS} from memberships where user_id = ? order by entity_id`,
  );
  const findMembership = db.prepare<[string, string], MembershipsTable>(
    `select ${MEMBERSHIP_COLUMNS} from memberships where user_id = ? and entity_id = ?`,
  );
  const findEntityAccess = db.prepare<[string, string, string], EntityAccessRow>(
    `select e.id, e.tenant_id, e.name, e.display_name, e.locale, e.timezone, e.status, e.parent_id,
       e.created_at, m.role as member_role, m.status as member_status, m.updated_at as member_updated_at
     from entities e left join memberships m on m.entity_id = e.id and m.user_id = ?
     where e.tenant_id = ? and e.id = ?`,
  );
  // Of two racing first requests for the same pair, the second inserts nothing.
  const insertMembershipIfNone = db.prepare<[MembershipsTable]>(
    `insert into memberships (${MEMBERSHIP_COLUMNS}) values (@user_id, @entity_id, @role, @status, @updated_at)
     on conflict (user_id, entity_id) do nothing`,
  );
  const updateMembershipIf = db.prepare<[MembershipsTable & { expected: string }]>(
    `update memberships set role = @role, status = @status, updated_at = @updated_at
     where user_id = @user_id and entity_id = @entity_id and status = @expected`,
  );
  const deleteInEntities = db.prepare<[string], MembershipsTable>(
    `delete from memberships where entity_id in (select value from json_each(?))
     returning ${MEMBERSHIP_COLUMNS}`,
  );

  const findMembershipRow = async (userId: string, entityId: string) => {
    const row = findMembership.get(userId, entityId);
    return row && map.toMembership(row);
  };

  return {
    async insertUser(user) {
      insertUser.run(map.fromUser(user));
    },
    async findUser(tenantId, id) {
      const row = findUser.get(tenantId, id);
      return row && map.toUser(row);
    },
    async findUserByUsername(tenantId, username) {
      const row = findUserByUsername.get(tenantId, username);
      return row && map.toUser(row);
    },
    async listUsers(tenantId) {
      return listUsers.all(tenantId).map(map.toUser);
    },
    async listUsersWithMemberships(tenantId) {
      return map.toUsersWithMemberships(listUsersWithMemberships.all(tenantId));
    },
    async setUserStatus(tenantId, id, status) {
      setUserStatus.run(status, tenantId, id);
    },
    async upsertMembership(membership) {
      upsertMembership.run(map.fromMembership(membership));
    },
    async listMemberships(userId) {
      return listMemberships.all(userId).map(map.toMembership);
    },
    findMembership: findMembershipRow,
    // The one connection runs one transaction at a time: the read is the lock.
    lockMembership: findMembershipRow,
    async findEntityAccess(tenantId, entityId, userId) {
      const row = findEntityAccess.get(userId, tenantId, entityId);
      if (!row) return undefined;
      return { entity: map.toEntity(row), membership: map.toJoinedMembership(userId, row.id, row) };
    },
    async setMembershipIf(membership, expected) {
      const row = map.fromMembership(membership);
      const result =
        expected === null ? insertMembershipIfNone.run(row) : updateMembershipIf.run({ ...row, expected });
      return result.changes === 1;
    },
    async deleteMembershipsInEntities(entityIds) {
      if (entityIds.length === 0) return [];
      // RETURNING answers in no promised order; the caller audits them in this one.
      return deleteInEntities.all(JSON.stringify(entityIds)).sort(byUserThenEntity).map(map.toMembership);
    },
  };
}
