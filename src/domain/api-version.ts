/**
 * Zuora-Version (docs/CONTRACT.md §2): dates such as `2024-05-20`, or the older numbers (`186.0`,
 * `211.0`), all of which come before `2024-05-20`. From `2024-05-20` on, errors carry their own HTTP
 * status; before it, errors answer HTTP 200 with `success: false`.
 */
export const STATUS_CODES_SINCE = '2024-05-20';

export interface ApiVersion {
  readonly raw: string;
  /** True when errors use the HTTP statuses of docs/CONTRACT.md §3. */
  readonly errorStatuses: boolean;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const NUMBER = /^\d{1,4}(\.\d{1,2})?$/;

export function parseApiVersion(value: string): ApiVersion | null {
  const raw = value.trim();
  const date = DATE.exec(raw);
  if (date) {
    const [, y, m, d] = date.map(Number) as [number, number, number, number];
    const parsed = new Date(Date.UTC(y, m - 1, d));
    if (parsed.getUTCFullYear() !== y || parsed.getUTCMonth() !== m - 1 || parsed.getUTCDate() !== d)
      return null;
    return { raw, errorStatuses: raw >= STATUS_CODES_SINCE };
  }
  if (NUMBER.test(raw)) return { raw, errorStatuses: false };
  return null;
}
