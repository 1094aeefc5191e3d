import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { launchChromium } from '../helpers/browser.js';
import { buildCli, startServer } from '../helpers/server-process.js';

/*
 * The /docs page in a real browser, as a newcomer uses it: open it on a fresh server, Authorize with
 * the demo client's id and secret (the client credentials flow), set Zuora-Entity-Ids once, call an
 * operation and read its answer on the page (Debian's Chromium: helpers/browser.ts).
 */

/** The `export NAME='value'` lines the first start printed. */
function exported(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^\s*export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
}

before(async () => {
  await buildCli();
});

describe('the /docs page', () => {
  it('gets a token from the demo client id and secret and calls an operation that answers 200', {
    timeout: 120_000,
  }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'multientity-docs-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const server = await startServer({ args: ['--port', '0', '--db', join(dir, 'data', 'm.db')], t });
    const { CLIENT_ID = '', CLIENT_SECRET = '', GLOBAL_ID = '' } = exported(server.stdout());
    assert.ok(CLIENT_ID && CLIENT_SECRET && GLOBAL_ID, server.stdout());

    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    const tokenAnswers: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/oauth/token') tokenAnswers.push(response.status());
    });
    await page.goto(`${server.url}/docs`);

    // Authorize: the client credentials flow, then the entity header, in the dialog.
    await page.locator('.btn.authorize').first().click();
    const dialog = page.locator('.modal-ux');
    const oauth = dialog.locator('.auth-container').filter({ hasText: 'clientCredentials' });
    await oauth.locator('#client_id_clientCredentials').fill(CLIENT_ID);
    await oauth.locator('#client_secret_clientCredentials').fill(CLIENT_SECRET);
    await oauth.locator('button.authorize').click();
    await oauth.getByText('Authorized', { exact: true }).waitFor();
    assert.deepEqual(tokenAnswers, [200]);
    const entity = dialog.locator('.auth-container').filter({ hasText: 'Zuora-Entity-Ids' });
    await entity.locator('input').fill(GLOBAL_ID);
    await entity.locator('button.authorize').click();
    await entity.getByText('Authorized', { exact: true }).waitFor();
    await dialog.locator('button.close-modal').click();

    // GET /v1/entities: Try it out, Execute, and the answer as the page shows it.
    const operation = page.locator('[id$="-GET_Entities"]');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const status = operation.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor();
    const body =
      (await operation
        .locator('.live-responses-table .response-col_description pre')
        .first()
        .textContent()) ?? '';
    assert.equal((await status.textContent())?.trim(), '200', body);
    assert.match(body, /"name": "Acme-APAC"/);
  });
});
