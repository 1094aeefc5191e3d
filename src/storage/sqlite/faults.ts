import type SqliteDatabase from 'better-sqlite3';
import type { FaultStore } from '../../domain/ports/index.js';
import * as map from '../row-mappers.js';
import type { FaultRulesTable } from '../schema.js';

const COLUMNS =
  'id, tenant_id, method, path, track_id, fault, latency_ms, retry_after, remaining, rate, seed, matched, created_at';

/** Fault rules on SQLite. */
export function sqliteFaultStore(db: SqliteDatabase.Database): FaultStore {
  const insert = db.prepare<FaultRulesTable>(
    `insert into fault_rules (${COLUMNS}) values (@id, @tenant_id, @method, @path, @track_id, @fault,
       @latency_ms, @retry_after, @remaining, @rate, @seed, @matched, @created_at)`,
  );
  const list = db.prepare<[string], FaultRulesTable>(
    `select ${COLUMNS} from fault_rules where tenant_id = ? order by created_at, id`,
  );
  const deleteOne = db.prepare<[string, string]>('delete from fault_rules where tenant_id = ? and id = ?');
  const deleteAll = db.prepare<[string]>('delete from fault_rules where tenant_id = ?');
  const countMatch = db.prepare<[string], { matched: number }>(
    'update fault_rules set matched = matched + 1 where id = ? returning matched',
  );
  // The guard and the decrement in one statement: of racing requests, exactly `remaining` win.
  const consume = db.prepare<[string]>(
    'update fault_rules set remaining = remaining - 1 where id = ? and remaining > 0',
  );

  return {
    async insertFaultRule(rule) {
      insert.run(map.fromFaultRule(rule));
    },
    async listFaultRules(tenantId) {
      return list.all(tenantId).map(map.toFaultRule);
    },
    async deleteFaultRule(tenantId, id) {
      return deleteOne.run(tenantId, id).changes === 1;
    },
    async deleteFaultRules(tenantId) {
      return deleteAll.run(tenantId).changes;
    },
    async countFaultRuleMatch(id) {
      const row = countMatch.get(id);
      return row && Number(row.matched);
    },
    async consumeFaultRule(id) {
      return consume.run(id).changes === 1;
    },
  };
}
