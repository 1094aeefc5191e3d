/** Rules on entity fields shared by the API and the fixture loader (docs/CONTRACT.md §4). */

export const MAX_ENTITIES_PER_TENANT = 512;
/**
 * Levels of a hierarchy, the global entity being level 1. Zuora states no depth of its own; its 512
 * entities per hierarchy allow a chain of 512, so that is the deepest the API can build, and the
 * deepest a fixture may describe (checked before anything recurses into it).
 */
export const MAX_HIERARCHY_DEPTH = MAX_ENTITIES_PER_TENANT;
export const MAX_NAME_LENGTH = 255;

/** Letters, digits, space, period and hyphen (Zuora's rule for entity names, docs/CONTRACT.md §4). */
const NAME_PATTERN = /^[\p{L}\p{N} .-]+$/u;

/**
 * Zuora's characters, 1 to 255 of them, and (ours) no space at either end: header values are
 * trimmed, so `Global ` could never be named in the `entityName` header (docs/LIMITS.md).
 */
export function isValidEntityName(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= MAX_NAME_LENGTH &&
    NAME_PATTERN.test(name) &&
    !name.startsWith(' ') &&
    !name.endsWith(' ')
  );
}

/**
 * What makes two entity names the same name in a tenant: Unicode compatibility forms (NFKC:
 * fullwidth `Ｇｌｏｂａｌ` is `Global`) and case (folded by upper- then lower-casing, so `ß` and
 * `SS` meet too). Stored as `entities.name_key`, under a unique index.
 */
export function entityNameKey(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

let timeZones: Set<string> | undefined;

/**
 * An IANA time zone as the runtime knows it (Intl.supportedValuesOf), or an alias it accepts (GMT,
 * UTC, US/Pacific). Intl matches names case-insensitively, but the name is stored as written, so
 * it must be spelled as IANA spells it: `america/los_angeles` and `utc` are refused.
 */
export function isValidTimezone(tz: string): boolean {
  timeZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (timeZones.has(tz)) return true;
  if (!tz.split('/').every((segment) => /^[A-Z]/.test(segment))) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone;
    return resolved === tz || resolved.toLowerCase() !== tz.toLowerCase();
  } catch {
    return false;
  }
}

const LOCALE = /^([A-Za-z]{2,3})(?:[_-]([A-Za-z]{4}))?(?:[_-]([A-Za-z]{2}|\d{3}))?$/;
let displayNames: Record<'language' | 'script' | 'region', Intl.DisplayNames> | undefined;

/** Whether ICU has a name for the code; Zzzz and ZZ are ICU's names for "unknown", not real codes. */
function isKnown(type: 'language' | 'script' | 'region', code: string): boolean {
  displayNames ??= {
    language: new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }),
    script: new Intl.DisplayNames(['en'], { type: 'script', fallback: 'none' }),
    region: new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' }),
  };
  if (/^(zzzz|zz)$/i.test(code)) return false;
  try {
    return displayNames[type].of(code) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Zuora writes locales as `xx_YY` (en_US); BCP 47 tags (en-US) are accepted as well, with an
 * optional script (zh_Hans_CN). Syntax alone would let `xx_ZZZZ` through, so each part must be a
 * language, script and region the runtime knows.
 */
export function isValidLocale(locale: string): boolean {
  const parts = LOCALE.exec(locale);
  if (!parts) return false;
  const [, language, script, region] = parts;
  return (
    language !== undefined &&
    isKnown('language', language) &&
    (script === undefined || isKnown('script', script)) &&
    (region === undefined || isKnown('region', region))
  );
}
