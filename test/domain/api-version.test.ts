import assert from 'node:assert/strict';
import { parseApiVersion, STATUS_CODES_SINCE } from '../../src/domain/api-version.js';
import { describe, it } from '../helpers/node-test.js';

describe('parseApiVersion', () => {
  it('treats 2024-05-20 itself as modern: errors carry their HTTP status', () => {
    assert.equal(STATUS_CODES_SINCE, '2024-05-20');
    assert.deepEqual(parseApiVersion('2024-05-20'), { raw: '2024-05-20', errorStatuses: true });
  });
  for (const date of ['2024-05-21', '2024-06-01', '2025-01-01', '2099-12-31']) {
    it(`treats ${date}, after 2024-05-20, as modern`, () => {
      assert.equal(parseApiVersion(date)?.errorStatuses, true);
    });
  }
  for (const date of ['2024-05-19', '2024-04-30', '2023-12-31', '2000-01-01', '2024-02-29']) {
    it(`treats ${date}, before 2024-05-20, as old: errors answer HTTP 200`, () => {
      assert.equal(parseApiVersion(date)?.errorStatuses, false);
    });
  }
  for (const number of ['186.0', '211.0', '196.0', '1.0', '230', '329.0']) {
    it(`treats the number ${number} as an old version`, () => {
      assert.deepEqual(parseApiVersion(number), { raw: number, errorStatuses: false });
    });
  }
  it('ignores surrounding white space', () => {
    assert.deepEqual(parseApiVersion(' 2024-05-20 '), { raw: '2024-05-20', errorStatuses: true });
  });
  for (const invalid of [
    '2024-02-30',
    '2023-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-04-31',
    '2024-05-00',
    '2024-5-20',
    '20240520',
    '2024/05/20',
    '2024-05-20T00:00:00Z',
    'latest',
    'garbage',
    '',
    '186.',
    '.5',
    '186.0.1',
    '-1.0',
    '1e3',
    '12345.0',
  ]) {
    it(`rejects ${JSON.stringify(invalid)}`, () => {
      assert.equal(parseApiVersion(invalid), null);
    });
  }
});
