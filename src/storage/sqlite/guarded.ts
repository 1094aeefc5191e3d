/**
 * Wraps every method of the SQLite aggregates so that any failure, reads included, passes through
 * `translateError`: better-sqlite3's statements run inside the methods, so each method is the
 * boundary. Built once, when the store opens. (PostgreSQL's statements all run through its session,
 * which translates there: postgres/session.ts.)
 */
export function guarded<T extends object>(ops: T, translateError: (error: unknown) => unknown): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(ops)) {
    wrapped[name] =
      typeof value === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await value(...args);
            } catch (error) {
              throw translateError(error);
            }
          }
        : value;
  }
  return wrapped as T;
}
