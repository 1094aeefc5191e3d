/**
 * Wraps every method of a store's ops so that any failure, reads included, passes through the
 * side's `translateError`: the one place a driver's errors become the domain's (`UniqueViolation`,
 * `AppError('UNAVAILABLE')`, `AppError('LOCK_CONTENTION')`), the same way on both databases.
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
  // A joined transaction (StoreOps.transaction) is handed these ops, guarded too.
  if ('transaction' in wrapped) wrapped.transaction = (fn: (tx: T) => unknown) => fn(wrapped as T);
  return wrapped as T;
}
