import assert from 'node:assert/strict';
import { hexToUuid, isHex32, parseEntityId, randomIds } from '../../src/domain/ids.js';
import { describe, it } from '../helpers/node-test.js';

const hex = '8a808255557baba1015580e12fa5083a';
const uuid = '8a808255-557b-aba1-0155-80e12fa5083a';

describe('parseEntityId', () => {
  it('accepts 32 lowercase hex characters as they are', () => {
    assert.equal(parseEntityId(hex), hex);
  });
  it('accepts a hyphenated UUID of the same digits and gives the 32-hex form', () => {
    assert.equal(parseEntityId(uuid), hex);
  });
  it('accepts upper case hex and UUIDs and lower-cases them', () => {
    assert.equal(parseEntityId(hex.toUpperCase()), hex);
    assert.equal(parseEntityId(uuid.toUpperCase()), hex);
  });
  it('ignores surrounding white space', () => {
    assert.equal(parseEntityId(`  ${hex} `), hex);
  });
  for (const bad of [
    '',
    'garbage',
    hex.slice(0, 31),
    `${hex}0`,
    `${hex.slice(0, 31)}g`,
    '8a808255-557b-aba1-015580e12fa5083a',
    '8a808255557b-aba1-0155-80e12fa5083a',
    `{${uuid}}`,
    `${hex},${hex}`,
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.equal(parseEntityId(bad), null);
    });
  }
});

describe('id helpers', () => {
  it('hexToUuid and parseEntityId are inverse', () => {
    assert.equal(hexToUuid(hex), uuid);
    assert.equal(parseEntityId(hexToUuid(hex)), hex);
  });
  it('isHex32 accepts lower case only', () => {
    assert.equal(isHex32(hex), true);
    assert.equal(isHex32(hex.toUpperCase()), false);
    assert.equal(isHex32(uuid), false);
  });
  it('random ids have Zuora forms and differ each call', () => {
    assert.ok(isHex32(randomIds.hex32()));
    assert.notEqual(randomIds.hex32(), randomIds.hex32());
    assert.match(randomIds.uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(randomIds.tenantId(), /^\d+$/);
    for (const length of [1, 10, 40, 42]) {
      assert.match(randomIds.secret(length), new RegExp(`^[A-Za-z0-9_-]{${length}}$`));
    }
  });
  it('random hex ids stay distinct and well spread across many draws of the pooled bytes', () => {
    const drawn = Array.from({ length: 2000 }, () => randomIds.hex32());
    assert.ok(drawn.every(isHex32));
    assert.equal(new Set(drawn).size, drawn.length);
    // No all-zero id (a used part of the pool handed out again), and every hex digit about as
    // frequent in every position: 2,000 draws give 125 of each on average.
    assert.ok(!drawn.includes('0'.repeat(32)));
    for (let position = 0; position < 32; position++) {
      const counts = new Map<string, number>();
      for (const id of drawn)
        counts.set(id[position] as string, (counts.get(id[position] as string) ?? 0) + 1);
      assert.equal(counts.size, 16, `position ${position}`);
      for (const count of counts.values())
        assert.ok(count > 50 && count < 220, `position ${position}: ${count}`);
    }
  });
});
