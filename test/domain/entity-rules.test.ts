import assert from 'node:assert/strict';
import {
  entityNameKey,
  isValidEntityName,
  isValidLocale,
  isValidTimezone,
  MAX_ENTITIES_PER_TENANT,
  MAX_NAME_LENGTH,
} from '../../src/domain/entity-rules.js';
import { describe, it } from '../helpers/node-test.js';

describe('entity names', () => {
  for (const name of ['Global', 'Acme-US', 'Acme US 2', 'acme.eu', 'Zürich', '東京', 'a', 'x'.repeat(255)]) {
    it(`accepts ${JSON.stringify(name.length > 20 ? `${name.slice(0, 5)}…(${name.length})` : name)}`, () => {
      assert.equal(isValidEntityName(name), true);
    });
  }
  for (const name of [
    '',
    'x'.repeat(256),
    'Acme_US',
    'Acme/US',
    'Acme:US',
    "O'Brien",
    'a\nb',
    'a\tb',
    'Acme!',
    'Global ',
    ' Global',
  ]) {
    it(`rejects ${JSON.stringify(name.length > 20 ? `${name.slice(0, 5)}…(${name.length})` : name)}`, () => {
      assert.equal(isValidEntityName(name), false);
    });
  }
  it('keeps the limits of docs/CONTRACT.md §4', () => {
    assert.equal(MAX_NAME_LENGTH, 255);
    assert.equal(MAX_ENTITIES_PER_TENANT, 512);
  });
});

describe('entity name keys', () => {
  it('are the same for names that differ only by case or Unicode compatibility form', () => {
    const key = entityNameKey('Global');
    for (const name of ['global', 'GLOBAL', 'Ｇｌｏｂａｌ', 'ｇｌｏｂａｌ'])
      assert.equal(entityNameKey(name), key, name);
    assert.equal(entityNameKey('STRASSE'), entityNameKey('straße'));
    assert.notEqual(entityNameKey('Global'), entityNameKey('Globa1'));
  });
});

describe('locales', () => {
  for (const locale of ['en_US', 'de_DE', 'ja_JP', 'en-US', 'en', 'fr_CA', 'zh_Hans_CN', 'es-419']) {
    it(`accepts ${locale}`, () => {
      assert.equal(isValidLocale(locale), true);
    });
  }
  for (const locale of [
    'xx_ZZZZ',
    'xx_US',
    'en_XX',
    'en_ZZ',
    'en_Abcd_US',
    'en_US_POSIX',
    'garbage',
    '',
    'e',
    'en_',
    'en__US',
    '_US',
    'en US',
    '12_US',
    'en_U$',
  ]) {
    it(`rejects ${JSON.stringify(locale)}`, () => {
      assert.equal(isValidLocale(locale), false);
    });
  }
});

describe('time zones', () => {
  const supported = Intl.supportedValuesOf('timeZone');
  it('accepts every time zone the runtime lists', () => {
    const refused = supported.filter((tz) => !isValidTimezone(tz));
    assert.deepEqual(refused, []);
  });
  for (const tz of [
    'GMT',
    'UTC',
    'America/Los_Angeles',
    'Europe/Berlin',
    'Asia/Tokyo',
    'US/Pacific',
    'Etc/GMT+5',
  ]) {
    it(`accepts ${tz}`, () => {
      assert.equal(isValidTimezone(tz), true);
    });
  }
  for (const tz of [
    'Mars/Olympus_Mons',
    'garbage',
    '',
    'America/Nowhere',
    'GMT+25',
    'Europe/',
    '+05:00',
    'america/los_angeles',
    'America/los_angeles',
    'utc',
    'gmt',
    'us/pacific',
  ]) {
    it(`rejects ${JSON.stringify(tz)}`, () => {
      assert.equal(isValidTimezone(tz), false);
    });
  }
});
