import type { FaultStore } from '../../domain/ports/index.js';
import * as map from '../row-mappers.js';
import type { FaultRulesTable } from '../schema.js';
import type { PgSession, PgStatement } from './session.js';

const COLUMNS =
  'id, tenant_id, method, path, track_id, fault, latency_ms, retry_after, remaining, rate, seed, matched, created_at';

const INSERT: PgStatement = {
  name: 'faults.insert',
  text: `insert into fault_rules (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
};
const LIST: PgStatement = {
  name: 'faults.list',
  text: `select ${COLUMNS} from fault_rules where tenant_id = $1 order by created_at, id`,
};
const DELETE: PgStatement = {
  name: 'faults.delete',
  text: 'delete from fault_rules where tenant_id = $1 and id = $2',
};
const DELETE_ALL: PgStatement = {
  name: 'faults.deleteAll',
  text: 'delete from fault_rules where tenant_id = $1',
};
const COUNT_MATCH: PgStatement = {
  name: 'faults.countMatch',
  text: 'update fault_rules set matched = matched + 1 where id = $1 returning matched',
};
/** The guard and the decrement in one statement: of racing requests, exactly `remaining` win. */
const CONSUME: PgStatement = {
  name: 'faults.consume',
  text: 'update fault_rules set remaining = remaining - 1 where id = $1 and remaining > 0',
};

/** Fault rules on PostgreSQL, through `session`. */
export function postgresFaultStore(session: PgSession): FaultStore {
  return {
    async insertFaultRule(rule) {
      const row = map.fromFaultRule(rule);
      await session.count(INSERT, [
        row.id,
        row.tenant_id,
        row.method,
        row.path,
        row.track_id,
        row.fault,
        row.latency_ms,
        row.retry_after,
        row.remaining,
        row.rate,
        row.seed,
        row.matched,
        row.created_at,
      ]);
    },
    async listFaultRules(tenantId) {
      return (await session.rows<FaultRulesTable>(LIST, [tenantId])).map(map.toFaultRule);
    },
    async deleteFaultRule(tenantId, id) {
      return (await session.count(DELETE, [tenantId, id])) === 1;
    },
    async deleteFaultRules(tenantId) {
      return session.count(DELETE_ALL, [tenantId]);
    },
    async countFaultRuleMatch(id) {
      const [row] = await session.rows<{ matched: number }>(COUNT_MATCH, [id]);
      return row && Number(row.matched);
    },
    async consumeFaultRule(id) {
      return (await session.count(CONSUME, [id])) === 1;
    },
  };
}
