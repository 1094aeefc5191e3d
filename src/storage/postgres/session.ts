import type pg from 'pg';

/**
 * One statement of the PostgreSQL store: its SQL with `$n` parameters, and the name it is prepared
 * under, once per connection (node-postgres keeps a connection's prepared names). The aggregates
 * declare their statements as module constants, so a statement is parsed and planned once per
 * connection and every later run sends only its parameters.
 */
export interface PgStatement {
  readonly name: string;
  readonly text: string;
}

/** Where the aggregates' statements run: the pool (any free connection per call), or the connection holding a transaction. */
export interface PgSession {
  /** Runs the statement; answers its rows. */
  rows<Row>(statement: PgStatement, values: readonly unknown[]): Promise<Row[]>;
  /** Runs the statement; answers how many rows it inserted, updated or deleted. */
  count(statement: PgStatement, values: readonly unknown[]): Promise<number>;
}

/**
 * A session over the pool or over one client. `prepared` false sends every statement unnamed, for
 * poolers in transaction mode that cannot keep a connection's prepared statements (PgBouncer before
 * 1.21, or later ones without `max_prepared_statements`): MULTIENTITY_PG_PREPARED_STATEMENTS=off.
 * Every statement of the store runs here, so a driver error becomes the domain's here, through
 * `translateError`, once per statement: no operation needs a wrapper of its own.
 */
export function pgSession(
  target: pg.Pool | pg.PoolClient,
  prepared: boolean,
  translateError: (error: unknown) => unknown,
): PgSession {
  const query = async (statement: PgStatement, values: readonly unknown[]) => {
    try {
      return await target.query(
        prepared
          ? { name: statement.name, text: statement.text, values: values as unknown[] }
          : { text: statement.text, values: values as unknown[] },
      );
    } catch (error) {
      throw translateError(error);
    }
  };
  return {
    rows: async <Row>(statement: PgStatement, values: readonly unknown[]) =>
      (await query(statement, values)).rows as Row[],
    count: async (statement, values) => (await query(statement, values)).rowCount ?? 0,
  };
}
