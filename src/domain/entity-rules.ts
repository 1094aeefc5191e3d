/** Rules on entity fields shared by the API and the fixture loader (REFERENCE.md §4). */

export const MAX_ENTITIES_PER_TENANT = 512;
export const MAX_NAME_LENGTH = 255;

/** Letters, digits, space, period and hyphen (Zuora's rule for entity names). */
const NAME_PATTERN = /^[\p{L}\p{N} .-]+$/u;

export function isValidEntityName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name);
}

let timeZones: Set<string> | undefined;

/** An IANA time zone as the runtime knows it (Intl.supportedValuesOf), or an alias it accepts (GMT, UTC). */
export function isValidTimezone(tz: string): boolean {
  timeZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (timeZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Zuora writes locales as `xx_YY` (en_US); BCP 47 tags (en-US) are accepted as well. */
export function isValidLocale(locale: string): boolean {
  if (!/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$/.test(locale)) return false;
  try {
    return Intl.getCanonicalLocales(locale.replaceAll('_', '-')).length === 1;
  } catch {
    return false;
  }
}
