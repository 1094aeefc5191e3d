/**
 * The console in a real browser (Debian's Chromium driven by playwright-core): what a user sees and
 * can do in each view, its accessibility (axe-core) and its security promises. The tests run in
 * order on one page, as one user session would. Each view's screenshot is taken on the way; with
 * MULTIENTITY_UPDATE_SCREENSHOTS=1 they replace docs/console/*.png (shown in docs/console.md).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { build, type TestApp } from '../helpers/build.js';
import { clients, ids } from '../helpers/fixtures.js';
import { buildCli, repoRoot } from '../helpers/server-process.js';

const OPERATOR = 'console-browser-operator-token';
/** What the user reads in an element (Playwright's textContent, not the DOM's). */
const text = async (locator: Locator) => (await locator.textContent()) ?? '';
/** Polls until the locator matches `count` elements (5 s at most). */
async function waitForCount(locator: Locator, count: number) {
  const deadline = Date.now() + 5000;
  for (let seen = await locator.count(); seen !== count; seen = await locator.count()) {
    if (Date.now() > deadline) assert.fail(`expected ${count} elements, saw ${seen}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const UPDATE = process.env.MULTIENTITY_UPDATE_SCREENSHOTS === '1';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

describe('the console in a browser', { timeout: 300_000 }, () => {
  let server: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let shots: string;
  const sent: { url: URL; authorization: string | undefined }[] = [];
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];

  before(
    async () => {
      // First, so that a machine without Chromium hears how to install it at once.
      browser = await launchChromium();
      await buildCli();
      server = await build(undefined, { env: { MULTIENTITY_OPERATOR_TOKEN: OPERATOR } });
      base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      shots = UPDATE ? join(repoRoot, 'docs', 'console') : mkdtempSync(join(tmpdir(), 'console-shots-'));
      mkdirSync(shots, { recursive: true });
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('request', (request) =>
        sent.push({ url: new URL(request.url()), authorization: request.headers().authorization }),
      );
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
    },
    { timeout: 200_000 },
  );

  after(async () => {
    await browser?.close();
    await server?.app.close();
    await server?.store.close();
    if (!UPDATE && shots) rmSync(shots, { recursive: true, force: true });
  });

  const shoot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  /** axe-core on the page as it is: no serious or critical violation. */
  async function assertAccessible(where: string) {
    // Evaluated by the DevTools protocol, which the page's CSP does not govern (an inline <script> would be refused).
    await page.evaluate(axeSource);
    const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
      r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })))`)) as Violation[];
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious, [], `${where}: ${JSON.stringify(serious, null, 2)}`);
  }

  const alert = () => page.getByRole('alert');
  const status = () => page.getByRole('status');

  async function openTab(name: string) {
    await page.getByRole('tab', { name }).click();
    await page.getByRole('tabpanel', { name }).waitFor();
  }

  async function operatorViewOfAcme() {
    await page.getByRole('button', { name: 'Operator', exact: true }).click();
    await page.getByRole('button', { name: `Select tenant Acme (${ids.tenant})` }).click();
    await page.getByRole('heading', { name: `Tenant Acme ${ids.tenant}` }).waitFor();
  }

  async function signInWithClient(client: { id: string; secret: string }) {
    await page.getByRole('button', { name: 'Tenant', exact: true }).click();
    await page.getByLabel('Client id').fill(client.id);
    await page.getByLabel('Client secret').fill(client.secret);
    await page.getByRole('button', { name: 'Sign in with client' }).click();
    await page.getByRole('heading', { name: `Tenant ${ids.tenant}` }).waitFor();
  }

  async function signOutOfTenant() {
    await page.getByRole('button', { name: `Sign out of tenant ${ids.tenant}` }).click();
  }

  it('links the console, the API reference, the OpenAPI document and health from /', {
    timeout: 30_000,
  }, async () => {
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'multientity' }).waitFor();
    for (const [name, href] of [
      ['Console', '/console'],
      ['API reference', '/docs'],
      ['OpenAPI document', '/openapi.json'],
      ['/health', '/health'],
      ['/ready', '/ready'],
    ]) {
      assert.equal(await page.getByRole('link', { name, exact: true }).getAttribute('href'), href);
    }
    await shoot('landing');
    await page.getByRole('link', { name: 'Console', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/console');
  });

  it('refuses a wrong operator token in Zuora words, then signs in with the right one', {
    timeout: 30_000,
  }, async () => {
    await shoot('sign-in');
    await assertAccessible('sign-in');
    await page.getByLabel('Operator token').fill('not-the-operator-token');
    await page.getByRole('button', { name: 'Sign in as operator' }).click();
    await alert().filter({ hasText: 'The server answered 403' }).waitFor();
    assert.match(await text(alert()), /\d{8}/);

    await page.getByLabel('Operator token').fill(OPERATOR);
    await page.getByRole('button', { name: 'Sign in as operator' }).click();
    await page.getByRole('heading', { name: 'Operator', exact: true }).waitFor();
    const tenants = page.getByRole('region', { name: 'Tenants' });
    await tenants.getByRole('cell', { name: ids.tenant, exact: true }).waitFor();
    await tenants.getByRole('cell', { name: ids.otherTenant, exact: true }).waitFor();
  });

  it('creates a tenant from a fixture, shows its client secrets once, and deletes it', {
    timeout: 30_000,
  }, async () => {
    await page.getByRole('button', { name: 'Create tenant' }).click();
    const heading = page.getByRole('heading', { name: /^Clients of tenant \d+/ });
    await heading.waitFor();
    const id = /tenant (\d+)/.exec(await text(heading))?.[1] ?? '';
    const created = page.getByRole('region', { name: 'Create a tenant from a fixture' });
    await created.getByRole('cell', { name: 'eu-admin@acme.test', exact: true }).waitFor();
    const tenants = page.getByRole('region', { name: 'Tenants' });
    await tenants.getByRole('cell', { name: id, exact: true }).waitFor();
    await page.getByRole('heading', { name: `Tenant Acme ${id}` }).waitFor();
    await shoot('operator');
    await assertAccessible('operator view');

    await page.getByRole('button', { name: `Delete tenant Acme (${id})` }).click();
    await page.getByRole('button', { name: `Delete for good: tenant Acme (${id}) and all its data` }).click();
    await status()
      .filter({ hasText: `Tenant ${id} deleted.` })
      .waitFor();
    await tenants.getByRole('cell', { name: id, exact: true }).waitFor({ state: 'detached' });
  });

  it('opens a tenant as one of its users and walks the entity tree with the keyboard', {
    timeout: 30_000,
  }, async () => {
    await page.getByRole('button', { name: `Select tenant Acme (${ids.tenant})` }).click();
    await page.getByRole('cell', { name: 'us-admin@acme.test', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Open as this user: admin@acme.test' }).click();
    await page.getByRole('heading', { name: `Tenant ${ids.tenant}` }).waitFor();
    await page.getByText('Signed in as admin@acme.test').waitFor();

    const tree = page.getByRole('region', { name: 'Entity hierarchy' });
    const nodes = tree.locator('button.node');
    await nodes.first().waitFor();
    assert.deepEqual(await tree.locator('.node-name').allTextContents(), [
      'Global',
      'Acme-APAC',
      'Acme-EU',
      'Acme-Lab',
      'Acme-US',
    ]);
    await nodes.first().click();
    const detail = page.getByRole('region', { name: 'Entity Global' });
    await detail.getByText('GMT').waitFor();
    await detail.getByText('none: the global entity').waitFor();

    // Down to Acme-APAC by keyboard, Enter selects it; End and Up walk on.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByRole('region', { name: 'Entity Acme-APAC' }).getByText('Asia/Tokyo').waitFor();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    const us = page.getByRole('region', { name: 'Entity Acme-US' });
    await us.getByText('America/Los_Angeles').waitFor();
    await us.getByText('us-admin@acme.test: Administrator (home)').waitFor();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    const lab = page.getByRole('region', { name: 'Entity Acme-Lab' });
    await lab.getByText('Unprovisioned').waitFor();
    await lab.getByText('Your token cannot act in this entity.').waitFor();
    await page.getByRole('region', { name: 'Connections' }).getByText('No connections yet.').waitFor();
    await shoot('tenant');
    await assertAccessible('tenant view');
    await signOutOfTenant();
  });

  it('requests a connection as one user and accepts it as another', { timeout: 40_000 }, async () => {
    await signInWithClient(clients.usAdmin);
    await page.getByLabel('Act in (Zuora-Entity-Ids)').selectOption({ label: 'Acme-US' });
    const connections = page.getByRole('region', { name: 'Connections' });
    await connections.getByLabel('Connect to').selectOption({ label: 'Acme-EU' });
    await connections.getByRole('button', { name: 'Request connection' }).click();
    await connections
      .getByRole('status')
      .filter({ hasText: 'Connection requested: Acme-US → Acme-EU.' })
      .waitFor();
    const row = connections.getByRole('row', { name: /Acme-US Acme-EU Pending/ });
    await row.waitFor();

    // This user only has Standard access to the target: the server refuses, in Zuora's words.
    await row
      .getByRole('button', { name: 'Accept the connection from Acme-US to Acme-EU, acting in Acme-EU' })
      .click();
    const refusal = connections.getByRole('alert');
    await refusal.waitFor();
    assert.match(await text(refusal), /The server answered 40[03][\s\S]*\d{8}/);
    await signOutOfTenant();

    await signInWithClient(clients.euAdmin);
    const pending = connections.getByRole('row', { name: /Acme-US Acme-EU Pending/ });
    await pending.getByRole('button', { name: /^Accept the connection from Acme-US to Acme-EU/ }).click();
    await connections.getByRole('row', { name: /Acme-US Acme-EU Connected/ }).waitFor();
    assert.equal(await connections.locator('svg line.edge.Connected').count(), 1);
    await shoot('connections');
    await assertAccessible('connections');
    // A token is kept for the tab only; the secret it was made from is not kept at all.
    const kept = (await page.evaluate(
      '({ session: JSON.stringify(sessionStorage), local: localStorage.length })',
    )) as { session: string; local: number };
    assert.equal(kept.local, 0);
    assert.ok(!kept.session.includes(clients.euAdmin.secret));
    assert.ok(!kept.session.includes(clients.usAdmin.secret));
    await signOutOfTenant();
  });

  it("requests, looks up and denies a user's access, and shows a refused accept in Zuora words", {
    timeout: 40_000,
  }, async () => {
    await operatorViewOfAcme();
    await page.getByRole('button', { name: 'Open as this user: admin@acme.test' }).click();
    const access = page.getByRole('region', { name: 'User access' });
    await access.getByLabel('Username').fill('clerk@acme.test');
    await access.getByLabel('Acme-EU').check();
    await access.getByRole('button', { name: 'Request access' }).click();
    await access.getByRole('status').filter({ hasText: 'Access requested for clerk@acme.test.' }).waitFor();
    await access.getByRole('button', { name: 'Show accessible entities' }).click();
    const accessible = access.getByRole('list').filter({ has: page.getByText('Acme-EU') });
    await accessible.waitFor();
    assert.match(await text(accessible), /Global[\s\S]*Acme-EU/);

    // This administrator also administers Acme-EU, so the user is Active at once: nothing to accept.
    await page.getByLabel('Act in (Zuora-Entity-Ids)').selectOption({ label: 'Acme-EU' });
    await access.getByRole('button', { name: 'Accept access to Acme-EU' }).click();
    const refusal = access.getByRole('alert');
    await refusal.filter({ hasText: 'The server answered 400' }).waitFor();
    assert.match(await text(refusal), /\d{6}30/);
    await shoot('user-access');
    await access.getByRole('button', { name: 'Deny access to Acme-EU' }).click();
    await access
      .getByRole('status')
      .filter({ hasText: "clerk@acme.test's access to Acme-EU denied." })
      .waitFor();
    await access.getByRole('button', { name: 'Show accessible entities' }).click();
    await access.getByRole('status').filter({ hasText: 'Entities clerk@acme.test can access' }).waitFor();
    await access.getByRole('listitem').filter({ hasText: 'Global' }).waitFor();
    assert.equal(await access.getByRole('listitem').filter({ hasText: 'Acme-EU' }).count(), 0);
    await signOutOfTenant();
  });

  it("shows the console's requests in the journal, in full, with bearer tokens masked", {
    timeout: 30_000,
  }, async () => {
    await operatorViewOfAcme();
    await openTab('Journal');
    await page.getByLabel('Route or path (* and ** allowed)').fill('/v1/entity-connections/*/accept');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    const entries = page.getByRole('list', { name: 'Requests, newest first' }).getByRole('listitem');
    await waitForCount(entries, 2);
    await page.getByLabel('HTTP status').fill('200');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await waitForCount(entries, 1);
    await entries.first().locator('summary').click();
    const exchange = await text(entries.first());
    assert.match(exchange, /PUT/);
    assert.match(exchange, /"zuora-track-id": "multientity-console"/);
    assert.match(exchange, /"authorization": "Bearer [^"*]{4}\*{4}"/);
    assert.match(exchange, /"success": true/);
    await shoot('journal');
    await assertAccessible('journal');

    await page.getByLabel('Zuora-Track-Id').fill('some-other-run');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page.getByText('No request matches this filter.').waitFor();

    await openTab('Audit trail');
    await page.getByText('connection.accept', { exact: true }).waitFor();
    await shoot('audit');
  });

  it("advances and freezes a tenant's clock", { timeout: 30_000 }, async () => {
    await openTab('Clock');
    await page.getByText('nothing (real time)').waitFor();
    await page.getByLabel('Amount').fill('2');
    await page.getByLabel('Unit').selectOption('hours');
    await page.getByRole('button', { name: 'Advance clock' }).click();
    await status().filter({ hasText: 'Clock advanced by 2 hours.' }).waitFor();
    await page.getByText(/^2 h( \d+ s)?$/).waitFor();
    await page.getByRole('button', { name: 'Freeze' }).click();
    await page
      .getByRole('definition')
      .filter({ hasText: /^Frozen$/ })
      .waitFor();
    await shoot('clock');
    await assertAccessible('clock');
    await page.getByRole('button', { name: 'Back to real time' }).click();
    await page.getByText('nothing (real time)').waitFor();
  });

  it('adds a fault rule, shows the failure it injects, and counts it', { timeout: 40_000 }, async () => {
    await openTab('Faults');
    await page.getByText('No fault rules: every request runs for real.').waitFor();
    await page.getByLabel('Method').selectOption('POST');
    await page.getByLabel('Path (exact, route template, * or **)').fill('/v1/entity-connections');
    await page.getByLabel('Fault', { exact: true }).selectOption('503');
    await page.getByLabel('Times (empty: always)').fill('1');
    await page.getByRole('button', { name: 'Add fault rule' }).click();
    const rule = page.getByRole('row', { name: /POST \/v1\/entity-connections 503/ });
    await rule.waitFor();
    assert.equal(await text(rule.getByRole('cell').nth(4)), '1');
    await shoot('faults');
    await assertAccessible('faults');

    await openTab('Users');
    await page.getByRole('button', { name: 'Open as this user: admin@acme.test' }).click();
    const connections = page.getByRole('region', { name: 'Connections' });
    await connections.getByLabel('Connect to').selectOption({ label: 'Acme-APAC' });
    await connections.getByRole('button', { name: 'Request connection' }).click();
    const failure = connections.getByRole('alert');
    await failure.filter({ hasText: 'The server answered 503' }).waitFor();
    assert.match(await text(failure), /\d{8}/);
    await shoot('fault-failure');
    // The rule fired once: the retry runs for real.
    await connections.getByRole('button', { name: 'Request connection' }).click();
    await connections
      .getByRole('status')
      .filter({ hasText: 'Connection requested: Global → Acme-APAC.' })
      .waitFor();
    await signOutOfTenant();

    await operatorViewOfAcme();
    await openTab('Faults');
    assert.equal(await text(rule.getByRole('cell').nth(4)), '0');
    await rule.getByRole('button', { name: /^Remove the 503 rule/ }).click();
    await page.getByText('No fault rules: every request runs for real.').waitFor();
  });

  it("sets a tenant's limits from a profile", { timeout: 30_000 }, async () => {
    await openTab('Limits');
    await page.getByText('Limits are off').waitFor();
    await page.getByLabel('Profile').selectOption('api-sandbox');
    await page.getByRole('button', { name: 'Set limits' }).click();
    await page.getByText('2,500', { exact: true }).waitFor();
    await assertAccessible('limits');
    // The tabs follow the arrow keys, Home and End.
    await page.getByRole('tab', { name: 'Limits' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tabpanel', { name: 'Journal' }).waitFor();
    await page.keyboard.press('Home');
    await page.getByRole('tabpanel', { name: 'Users' }).waitFor();
    assert.equal(await page.getByRole('tab', { name: 'Users' }).getAttribute('aria-selected'), 'true');
  });

  it('is readable on a phone, with nothing wider than the screen', { timeout: 30_000 }, async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openTab('Users');
    await page.getByRole('button', { name: 'Open as this user: admin@acme.test' }).click();
    await page
      .getByRole('region', { name: 'Connections' })
      .getByRole('row', { name: /Connected/ })
      .waitFor();
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
    await shoot('tenant-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('sends the operator token only to /admin/v1, keeps no secret in localStorage, breaks no CSP rule', {
    timeout: 10_000,
  }, async () => {
    const withOperator = sent.filter((r) => r.authorization === `Bearer ${OPERATOR}`);
    assert.ok(withOperator.length > 10);
    assert.deepEqual(
      withOperator.filter((r) => !r.url.pathname.startsWith('/admin/v1/')).map((r) => r.url.pathname),
      [],
    );
    // Public API calls carry the tenant's token, never the operator's.
    assert.ok(sent.some((r) => r.url.pathname.startsWith('/v1/') && r.authorization?.startsWith('Bearer ')));
    assert.ok(sent.every((r) => r.url.origin === base));
    assert.equal(await page.evaluate('localStorage.length'), 0);
    assert.deepEqual(cspViolations, []);
    assert.deepEqual(pageErrors, []);
  });
});
