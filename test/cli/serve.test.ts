import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { acmeFixture, clients, ids } from '../helpers/fixtures.js';
import { before, describe, it, type TestContext } from '../helpers/node-test.js';
import { buildCli, freePort, runCli, type ServerProcess, startServer } from '../helpers/server-process.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'multientity-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeFixture(dir: string, fixture: unknown = acmeFixture()): string {
  const file = join(dir, 'fixture.json');
  writeFileSync(file, JSON.stringify(fixture));
  return file;
}

async function token(url: string, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: clientId,
      client_secret: clientSecret,
      grant_type: 'client_credentials',
    }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { access_token: string }).access_token;
}

const acmeToken = (url: string) => token(url, clients.globalAdmin.id, clients.globalAdmin.secret);

async function connect(url: string, bearer: string, target: string, headers: Record<string, string> = {}) {
  return fetch(`${url}/v1/entity-connections`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${bearer}`,
      'zuora-entity-ids': ids.global,
      'content-type': 'application/json',
      ...headers,
    },
    body: JSON.stringify({ targetEntityId: target }),
  });
}

async function listConnections(url: string, bearer: string, entityId: string) {
  const response = await fetch(`${url}/v1/entity-connections?pageSize=300`, {
    headers: { authorization: `Bearer ${bearer}`, 'zuora-entity-ids': entityId },
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { entityConnections: { id: string; status: string }[] };
  return body.entityConnections;
}

/** Splits a printed shell command into words, as sh would for the quoting the banner uses. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  for (const match of command.replace(/\\\n/g, ' ').matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    words.push(match[1] ?? match[2] ?? match[3] ?? '');
  }
  return words;
}

/** Does what a printed `curl -X POST URL -H … -d …` does, with fetch. */
async function runCurl(command: string, variables: Record<string, string> = {}): Promise<Response> {
  const words = shellWords(command).map((word) =>
    word.replace(/\$(\w+)/g, (_, name: string) => variables[name] ?? `$${name}`),
  );
  assert.equal(words[0], 'curl');
  let method = 'GET';
  let url = '';
  const headers = new Headers();
  const data: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word === '-X') method = words[++i] ?? '';
    else if (word === '-H') {
      const [name = '', ...value] = (words[++i] ?? '').split(':');
      headers.set(name.trim(), value.join(':').trim());
    } else if (word === '-d') data.push(words[++i] ?? '');
    else if (word === '-s') continue;
    else if (/^https?:\/\//.test(word)) url = word;
    else assert.fail(`unexpected curl word '${word}' in: ${command}`);
  }
  // curl -d joins several -d with & and sends them as a form unless a Content-Type is given.
  if (data.length > 0 && !headers.has('content-type')) {
    headers.set('content-type', 'application/x-www-form-urlencoded');
  }
  return fetch(url, { method, headers, ...(data.length > 0 ? { body: data.join('&') } : {}) });
}

/** The curl commands in the banner: each starts with `curl` and runs on over trailing backslashes. */
function printedCurls(stdout: string): string[] {
  return [...stdout.matchAll(/^\s*(curl (?:.*\\\n)*.*)$/gm)].map((match) => match[1] ?? '');
}

function printedClient(stdout: string) {
  return {
    clientId: /client_id:\s+(\S+)/.exec(stdout)?.[1],
    clientSecret: /client_secret:\s+(\S+)/.exec(stdout)?.[1],
  };
}

/** Every row of every table, to show that a start changed nothing. */
function dumpDatabase(file: string): Record<string, unknown[]> {
  const db = new SqliteDatabase(file, { readonly: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table' order by name").all() as {
      name: string;
    }[];
    return Object.fromEntries(
      tables.map(({ name }) => [name, db.prepare(`select * from "${name}" order by 1`).all()]),
    );
  } finally {
    db.close();
  }
}

/** A request whose body the test sends in two parts, to have it in flight at a chosen moment. */
function requestInTwoParts(url: string, headers: Record<string, string>, body: string) {
  const request = httpRequest(`${url}/v1/entity-connections`, {
    method: 'POST',
    agent: false,
    headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
  });
  const half = Math.floor(body.length / 2);
  request.write(body.slice(0, half));
  return { response, finish: () => request.end(body.slice(half)) };
}

/** A plain GET on a new connection: the HTTP status, or the error code when no connection is made. */
function getOnNewConnection(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const request = httpRequest(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    request.end();
  });
}

/**
 * At `debug` the server logs "incoming request" once it has a request's headers: the request is then
 * in flight. (At `info` a request has one line, written when it completes.)
 */
function untilInFlight(server: ServerProcess, method: string, url: string): Promise<string> {
  return server.waitForOutput((line) => {
    if (!line.startsWith('{')) return false;
    const record = JSON.parse(line) as { msg?: string; req?: { method?: string; url?: string } };
    return record.msg === 'incoming request' && record.req?.method === method && record.req.url === url;
  });
}

/** The responses in raw HTTP/1.1 text, each with its status, headers (lower-case names) and body. */
function parseResponses(raw: string) {
  const responses: { status: number; headers: Record<string, string>; body: string }[] = [];
  let rest = raw;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    const [statusLine = '', ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const headers = Object.fromEntries(
      headerLines.map((line) => [
        line.slice(0, line.indexOf(':')).toLowerCase(),
        line.slice(line.indexOf(':') + 1).trim(),
      ]),
    );
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    responses.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: rest.slice(bodyStart, bodyStart + length),
    });
    rest = rest.slice(bodyStart + length);
  }
  return responses;
}

before(async () => {
  await buildCli();
});

// Every test starts server processes of its own (its own port, folder and database) and mostly
// waits on them: all of them run at once, the file's wall time is then about its slowest test's.
describe('multientity serve', { concurrency: true }, () => {
  describe('first start', { concurrency: true }, () => {
    it('creates a demo tenant on an empty database and prints a client whose curl commands work', async (t) => {
      const dir = tempDir(t);
      const db = join(dir, 'data', 'multientity.db');
      const server = await startServer({ args: ['--port', '0', '--db', db], t });

      const { clientId, clientSecret } = printedClient(server.stdout());
      assert.match(clientId ?? '', /^[0-9a-f-]{36}$/);
      assert.ok(clientSecret && clientSecret.length >= 32 && clientSecret.length <= 42);
      const curls = printedCurls(server.stdout());
      assert.equal(curls.length, 2, server.stdout());
      const [tokenCurl = '', connectCurl = ''] = curls;
      assert.match(tokenCurl, new RegExp(`-X POST ${server.url}/oauth/token `));
      assert.match(connectCurl, new RegExp(`-X POST ${server.url}/v1/entity-connections `));

      const tokenResponse = await runCurl(tokenCurl);
      assert.equal(tokenResponse.status, 200);
      const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string };
      const connectResponse = await runCurl(connectCurl, { TOKEN: accessToken });
      const created = (await connectResponse.json()) as { id: string; success: boolean };
      assert.equal(connectResponse.status, 200, JSON.stringify(created));
      assert.equal(created.success, true);
      assert.match(created.id, /^[0-9a-f]{32}$/);

      const credentialsFile = join(dir, 'data', 'demo-credentials.json');
      assert.equal(statSync(credentialsFile).mode & 0o777, 0o600);
      const saved = JSON.parse(readFileSync(credentialsFile, 'utf8')) as Record<string, string>;
      assert.equal(saved.clientId, clientId);
      assert.equal(saved.clientSecret, clientSecret);
      assert.deepEqual(await server.stop(), { code: 0, signal: null });

      const again = await startServer({ args: ['--port', '0', '--db', db], t });
      assert.deepEqual(printedClient(again.stdout()), { clientId, clientSecret });
      const [, againConnectCurl = ''] = printedCurls(again.stdout());
      const globalId = /Zuora-Entity-Ids: (\w+)/.exec(againConnectCurl)?.[1] ?? '';
      const bearer = await token(again.url, clientId ?? '', clientSecret ?? '');
      const listed = await listConnections(again.url, bearer, globalId);
      assert.deepEqual(
        listed.map((c) => [c.id, c.status]),
        [[created.id, 'Pending']],
      );
      assert.equal(statSync(credentialsFile).mode & 0o777, 0o600);
      assert.deepEqual(await again.stop(), { code: 0, signal: null });
    });

    it('answers GET /health with 200 as soon as it has printed its URL', async (t) => {
      const server = await startServer({ args: ['--port', '0', '--db', ':memory:'], t });
      const response = await fetch(`${server.url}/health`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ok', database: 'up' });
    });

    it('does not create the demo tenant when a fixture is given', async (t) => {
      const dir = tempDir(t);
      const server = await startServer({
        args: ['--port', '0', '--db', join(dir, 'data', 'x.db'), '--fixture', writeFixture(dir)],
        t,
      });
      assert.doesNotMatch(server.stdout(), /client_id/);
      await acmeToken(server.url);
    });
  });

  describe('options and environment', { concurrency: true }, () => {
    it('listens where --port and --host say, on the --db file, with the --fixture loaded', async (t) => {
      const dir = tempDir(t);
      const port = await freePort();
      const db = join(dir, 'custom', 'flags.db');
      const server = await startServer({
        args: ['--port', String(port), '--host', '127.0.0.2', '--db', db, '--fixture', writeFixture(dir)],
        t,
      });
      assert.equal(server.url, `http://127.0.0.2:${port}`);
      assert.equal((await fetch(`http://127.0.0.2:${port}/health`)).status, 200);
      assert.equal(await getOnNewConnection(`http://127.0.0.1:${port}/health`), 'ECONNREFUSED');
      await acmeToken(server.url);
      assert.ok(statSync(db).isFile());
    });

    it('reads MULTIENTITY_PORT, MULTIENTITY_HOST, MULTIENTITY_DB, MULTIENTITY_FIXTURE and LOG_LEVEL', async (t) => {
      const dir = tempDir(t);
      const port = await freePort();
      const db = join(dir, 'env.db');
      const server = await startServer({
        env: {
          MULTIENTITY_PORT: String(port),
          MULTIENTITY_HOST: '127.0.0.2',
          MULTIENTITY_DB: db,
          MULTIENTITY_FIXTURE: writeFixture(dir),
          LOG_LEVEL: 'warn',
        },
        t,
      });
      assert.equal(server.url, `http://127.0.0.2:${port}`);
      await acmeToken(server.url);
      assert.ok(statSync(db).isFile());
      await server.stop();
      // At warn, neither "Server listening" nor the per-request lines (info) are written.
      assert.deepEqual(server.logs(), []);
    });

    it('reads PORT, HOST and DATABASE_URL, and prefers the MULTIENTITY_ names over them', async (t) => {
      const dir = tempDir(t);
      const [port, otherPort] = [await freePort(), await freePort()];
      const server = await startServer({
        env: { PORT: String(port), HOST: '127.0.0.2', DATABASE_URL: join(dir, 'database-url.db') },
        t,
      });
      assert.equal(server.url, `http://127.0.0.2:${port}`);
      assert.ok(statSync(join(dir, 'database-url.db')).isFile());
      await server.stop();

      const preferred = await startServer({
        env: {
          PORT: String(otherPort),
          MULTIENTITY_PORT: String(port),
          HOST: '127.0.0.3',
          MULTIENTITY_HOST: '127.0.0.2',
          DATABASE_URL: join(dir, 'not-this.db'),
          MULTIENTITY_DB: join(dir, 'this.db'),
        },
        t,
      });
      assert.equal(preferred.url, `http://127.0.0.2:${port}`);
      assert.ok(statSync(join(dir, 'this.db')).isFile());
      assert.throws(() => statSync(join(dir, 'not-this.db')), { code: 'ENOENT' });
    });

    it('lets the command-line options win over the environment variables', async (t) => {
      const dir = tempDir(t);
      const [port, envPort] = [await freePort(), await freePort()];
      const server = await startServer({
        args: [
          ...['--port', String(port), '--host', '127.0.0.2', '--db', join(dir, 'flag.db')],
          ...['--fixture', writeFixture(dir), '--log-level', 'info'],
        ],
        env: {
          MULTIENTITY_PORT: String(envPort),
          MULTIENTITY_HOST: '127.0.0.3',
          MULTIENTITY_DB: join(dir, 'env.db'),
          MULTIENTITY_FIXTURE: join(dir, 'no-such-fixture.json'),
          LOG_LEVEL: 'silent',
        },
        t,
      });
      assert.equal(server.url, `http://127.0.0.2:${port}`);
      assert.ok(statSync(join(dir, 'flag.db')).isFile());
      assert.throws(() => statSync(join(dir, 'env.db')), { code: 'ENOENT' });
      await acmeToken(server.url);
      await server.stop();
      assert.ok(server.logs().some((r) => r.msg === 'request completed'));
    });

    it('stops with exit code 1 and names the option when the port is not a number', async () => {
      for (const run of [{ args: ['--port', 'abc'] }, { env: { PORT: 'abc' } }]) {
        const result = await runCli({ ...run, args: [...(run.args ?? []), '--db', ':memory:'] });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /^Invalid configuration: port \(--port, PORT\) .*'abc'/m);
        assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, 'no stack trace for a bad value');
        assert.doesNotMatch(result.stdout, /serving/);
      }
    });

    it('stops with exit code 1 and names the option when the log level is unknown', async () => {
      for (const run of [{ args: ['--log-level', 'loud'] }, { env: { LOG_LEVEL: 'loud' } }]) {
        const result = await runCli({
          ...run,
          args: [...(run.args ?? []), '--port', '0', '--db', ':memory:'],
        });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /^Invalid configuration: log level \(--log-level, LOG_LEVEL\) .*'loud'/m);
        assert.doesNotMatch(result.stdout, /serving/);
      }
    });

    it('stops with exit code 1 and says so when the port is already in use', async (t) => {
      const holder = createServer().listen(0, '127.0.0.1');
      await once(holder, 'listening');
      t.after(() => holder.close());
      const { port } = holder.address() as AddressInfo;
      const result = await runCli({ args: ['--port', String(port), '--db', ':memory:'] });
      assert.equal(result.code, 1, result.stderr);
      assert.equal(
        result.stderr,
        `Cannot start: 127.0.0.1:${port} is already in use: choose another --port (PORT)\n`,
      );
    });

    it('stops with exit code 1 and says so when the host is not an address of this machine', async () => {
      // 192.0.2.0/24 is reserved for documentation (RFC 5737): never assigned, so binding fails at once.
      const result = await runCli({ args: ['--port', '0', '--host', '192.0.2.1', '--db', ':memory:'] });
      assert.equal(result.code, 1, result.stderr);
      assert.equal(
        result.stderr,
        "Cannot start: '192.0.2.1' is not an address of this machine (--host, HOST)\n",
      );
    });

    it('starts through `npm start -- --port … --db :memory: --fixture …` as the README shows', async (t) => {
      const dir = tempDir(t);
      const port = await freePort();
      const server = await startServer({
        viaNpm: true,
        args: ['--port', String(port), '--db', ':memory:', '--fixture', writeFixture(dir)],
        t,
      });
      assert.equal(server.url, `http://localhost:${port}`);
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
      await acmeToken(server.url);
      const exit = await server.stop();
      assert.ok(exit.code === 0 || exit.signal === 'SIGTERM', JSON.stringify(exit));
    });
  });

  describe('fixtures', { concurrency: true }, () => {
    it('stops with a message naming the wrong field when the fixture is invalid', async (t) => {
      const dir = tempDir(t);
      const fixture = acmeFixture();
      const firstUser = fixture.tenants[0]?.users[0];
      assert.ok(firstUser);
      firstUser.homeEntity = 'Acme-UK';
      const db = join(dir, 'bad.db');
      const result = await runCli({
        args: ['--port', '0', '--db', db, '--fixture', writeFixture(dir, fixture)],
      });
      assert.notEqual(result.code, 0);
      assert.match(
        result.stderr,
        /^Invalid fixture: fixture\.tenants\[0\]\.users\[0\]\.homeEntity: no entity named 'Acme-UK' in this tenant$/m,
      );
      assert.doesNotMatch(result.stdout, /serving/);
      // Nothing of a fixture that failed is kept.
      assert.deepEqual(dumpDatabase(db).tenants, []);
    });

    it('stops with a message naming the file when the fixture is not JSON', async (t) => {
      const dir = tempDir(t);
      const file = join(dir, 'fixture.json');
      writeFileSync(file, '{"tenants": [');
      const result = await runCli({ args: ['--port', '0', '--db', ':memory:', '--fixture', file] });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /^Invalid fixture: .*fixture\.json: not valid JSON: /m);
      assert.doesNotMatch(result.stdout, /serving/);
    });

    it('stops with a message naming the file when the fixture file does not exist', async (t) => {
      const file = join(tempDir(t), 'missing.json');
      const result = await runCli({ args: ['--port', '0', '--db', ':memory:', '--fixture', file] });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /^Invalid fixture: .*missing\.json: cannot read the file: ENOENT/m);
    });

    it('changes nothing when the same fixture is loaded on a second start, and keeps what the API changed', async (t) => {
      const dir = tempDir(t);
      const db = join(dir, 'fixture.db');
      const args = ['--port', '0', '--db', db, '--fixture', writeFixture(dir)];
      const first = await startServer({ args, t });
      assert.equal((await first.stop()).code, 0);
      const afterFirst = dumpDatabase(db);

      const second = await startServer({ args, t });
      assert.equal((await second.stop()).code, 0);
      assert.deepEqual(dumpDatabase(db), afterFirst);

      const third = await startServer({ args, t });
      const bearer = await acmeToken(third.url);
      const created = (await (await connect(third.url, bearer, ids.us)).json()) as { id: string };
      assert.equal((await third.stop()).code, 0);
      const fourth = await startServer({ args, t });
      const listed = await listConnections(fourth.url, await acmeToken(fourth.url), ids.global);
      assert.deepEqual(
        listed.map((c) => c.id),
        [created.id],
      );
    });
  });

  describe('durability', { concurrency: true }, () => {
    it('keeps a connection acknowledged with 200 when the server is killed with SIGKILL right after', async (t) => {
      const dir = tempDir(t);
      const args = ['--port', '0', '--db', join(dir, 'kill.db'), '--fixture', writeFixture(dir)];
      const server = await startServer({ args, t });
      const bearer = await acmeToken(server.url);
      const response = await connect(server.url, bearer, ids.eu);
      assert.equal(response.status, 200);
      const { id } = (await response.json()) as { id: string };
      assert.deepEqual(await server.stop('SIGKILL'), { code: null, signal: 'SIGKILL' });

      const restarted = await startServer({ args, t });
      const listed = await listConnections(restarted.url, await acmeToken(restarted.url), ids.global);
      assert.deepEqual(
        listed.map((c) => [c.id, c.status]),
        [[id, 'Pending']],
      );
    });

    it('replays an Idempotency-Key used before a SIGKILL with the same id after the restart', async (t) => {
      const dir = tempDir(t);
      const args = ['--port', '0', '--db', join(dir, 'replay.db'), '--fixture', writeFixture(dir)];
      const server = await startServer({ args, t });
      const bearer = await acmeToken(server.url);
      const first = await connect(server.url, bearer, ids.apac, { 'idempotency-key': 'restart-key-1' });
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('idempotent-replayed'), null);
      const { id } = (await first.json()) as { id: string };
      await server.stop('SIGKILL');

      const restarted = await startServer({ args, t });
      // The token issued before the kill is still valid: tokens live in the database too.
      const replay = await connect(restarted.url, bearer, ids.apac, { 'idempotency-key': 'restart-key-1' });
      assert.equal(replay.status, 200);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(await replay.json(), { id, success: true });
      const listed = await listConnections(restarted.url, bearer, ids.global);
      assert.equal(listed.length, 1);
    });
  });

  describe('shutdown', { concurrency: true }, () => {
    it('on SIGTERM finishes a request whose body is still arriving, refuses new connections, and exits 0', async (t) => {
      const dir = tempDir(t);
      const args = [
        ...['--port', '0', '--db', join(dir, 'drain.db'), '--fixture', writeFixture(dir)],
        ...['--log-level', 'debug'],
      ];
      const server: ServerProcess = await startServer({ args, t });
      const bearer = await acmeToken(server.url);

      const inFlight = requestInTwoParts(
        server.url,
        { authorization: `Bearer ${bearer}`, 'zuora-entity-ids': ids.global },
        JSON.stringify({ targetEntityId: ids.us }),
      );
      await untilInFlight(server, 'POST', '/v1/entity-connections');
      const stopped = server.stop('SIGTERM');
      await server.waitForOutput((line) => line.includes('draining in-flight requests'));

      // Closing stops the listener, so a new connection is not served: refused once the listener is
      // gone, or reset if it reached the listener in the instant between the log line and the close.
      const late = await getOnNewConnection(`${server.url}/health`);
      assert.ok(late === 'ECONNREFUSED' || late === 'ECONNRESET', `a new connection got ${late}`);

      inFlight.finish();
      const response = await inFlight.response;
      assert.equal(response.status, 200, response.body);
      const { id } = JSON.parse(response.body) as { id: string };
      assert.deepEqual(await stopped, { code: 0, signal: null });

      const restarted = await startServer({ args, t });
      const listed = await listConnections(restarted.url, await acmeToken(restarted.url), ids.global);
      assert.deepEqual(
        listed.map((c) => c.id),
        [id],
      );
    });
  });

  describe('shutdown, stalled', { concurrency: true }, () => {
    it('on SIGTERM closes a request whose body stops arriving after 10 s, then exits 0', async (t) => {
      const dir = tempDir(t);
      const args = [
        ...['--port', '0', '--db', join(dir, 'stalled.db'), '--fixture', writeFixture(dir)],
        ...['--log-level', 'debug'],
      ];
      const server = await startServer({ args, t });
      const bearer = await acmeToken(server.url);
      const stalled = requestInTwoParts(
        server.url,
        { authorization: `Bearer ${bearer}`, 'zuora-entity-ids': ids.global },
        JSON.stringify({ targetEntityId: ids.us }),
      );
      const outcome = stalled.response.then(
        (response) => `HTTP ${response.status}`,
        (error: NodeJS.ErrnoException) => error.code ?? error.message,
      );
      await untilInFlight(server, 'POST', '/v1/entity-connections');
      const signalled = Date.now();
      assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null });
      assert.ok(Date.now() - signalled >= 10_000, 'it waited for the request first');
      assert.equal(await outcome, 'ECONNRESET');
      assert.ok(
        server.logs().some((r) => r.msg === 'closing connections whose requests are still under way'),
      );

      const restarted = await startServer({ args, t });
      assert.deepEqual(await listConnections(restarted.url, await acmeToken(restarted.url), ids.global), []);
    });
  });

  describe('shutdown, pipelined', { concurrency: true }, () => {
    it("on SIGTERM answers a request that arrives on an open connection with 503 in Zuora's envelope", async (t) => {
      const dir = tempDir(t);
      const args = [
        ...['--port', '0', '--db', join(dir, 'pipelined.db'), '--fixture', writeFixture(dir)],
        ...['--log-level', 'debug'],
      ];
      const server = await startServer({ args, t });
      const bearer = await acmeToken(server.url);
      const body = JSON.stringify({ targetEntityId: ids.eu });
      const half = Math.floor(body.length / 2);

      const socket = tcpConnect(server.port, new URL(server.url).hostname);
      let raw = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => {
        raw += chunk;
      });
      const ended = new Promise((resolve) => socket.on('close', resolve));
      socket.write(
        'POST /v1/entity-connections HTTP/1.1\r\nHost: localhost\r\n' +
          `Authorization: Bearer ${bearer}\r\nZuora-Entity-Ids: ${ids.global}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
      );
      await untilInFlight(server, 'POST', '/v1/entity-connections');
      const stopped = server.stop('SIGTERM');
      await server.waitForOutput((line) => line.includes('draining in-flight requests'));
      // The rest of the body, then a second request on the same connection (HTTP/1.1 pipelining).
      socket.write(
        `${body.slice(half)}GET /health HTTP/1.1\r\nHost: localhost\r\nZuora-Track-Id: late-1\r\n\r\n`,
      );
      await ended;

      const [created, late, ...more] = parseResponses(raw);
      assert.equal(created?.status, 200, raw);
      assert.equal(late?.status, 503, raw);
      assert.equal(late?.headers.connection, 'close');
      assert.equal(late?.headers['zuora-track-id'], 'late-1');
      const envelope = JSON.parse(late?.body ?? '') as { success: boolean; reasons: { code: number }[] };
      assert.equal(envelope.success, false);
      assert.equal(envelope.reasons[0]?.code, 50000061);
      assert.deepEqual(more, []);
      assert.deepEqual(await stopped, { code: 0, signal: null });
    });
  });

  describe('logs', { concurrency: true }, () => {
    it('writes one JSON record per line to stdout, with reqId and, when sent, trackId', async (t) => {
      const dir = tempDir(t);
      const server = await startServer({
        args: ['--port', '0', '--db', ':memory:', '--fixture', writeFixture(dir)],
        t,
      });
      const tracked = await fetch(`${server.url}/health`, {
        headers: { 'zuora-track-id': 'cli-test-track-1' },
      });
      const untracked = await fetch(`${server.url}/health`);
      await server.stop();

      const logs = server.logs();
      for (const record of logs) {
        assert.equal(typeof record.level, 'number');
        assert.equal(typeof record.time, 'number');
        assert.equal(typeof record.msg, 'string');
      }
      const trackedLines = logs.filter((r) => r.reqId === tracked.headers.get('zuora-request-id'));
      const untrackedLines = logs.filter((r) => r.reqId === untracked.headers.get('zuora-request-id'));
      // One line per request at `info`, with what Fastify's two lines said between them.
      assert.deepEqual(
        trackedLines.map((r) => r.msg),
        ['request completed'],
      );
      assert.deepEqual(
        untrackedLines.map((r) => r.msg),
        ['request completed'],
      );
      const [completed] = trackedLines as [Record<string, unknown>];
      assert.equal(completed.trackId, 'cli-test-track-1');
      assert.equal(untrackedLines[0]?.trackId, undefined);
      assert.deepEqual(
        {
          method: (completed.req as { method?: string }).method,
          url: (completed.req as { url?: string }).url,
        },
        { method: 'GET', url: '/health' },
      );
      assert.deepEqual(completed.res, { statusCode: 200 });
      assert.equal(typeof completed.responseTime, 'number');
    });

    it('writes no log record with --log-level silent', async (t) => {
      const server = await startServer({
        args: ['--port', '0', '--db', ':memory:', '--log-level', 'silent'],
        t,
      });
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
      await server.stop();
      assert.deepEqual(server.logs(), []);
      assert.match(server.stdout(), /serving .* on http/);
    });
  });
});
