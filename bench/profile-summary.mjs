// Summarizes a .cpuprofile: the functions with the most self time, and the heaviest files.
//   node bench/profile-summary.mjs bench/profiles/x.cpuprofile [top]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const top = Number(topArg ?? 30);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
// Idle time (waiting for I/O, or before and after the load) is left out: shares are of busy time.
const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
const busy = profile.samples.filter((id) => !idle.has(id));
const total = busy.length;
for (const id of busy) self.set(id, (self.get(id) ?? 0) + 1);
// The server runs bundled (scripts/build.mjs): a frame in the bundle is named by the module it came
// from, which esbuild marks with a `// path` line above each module ("src/…" or "node_modules/…").
const modulesOf = new Map();
function moduleAt(url, line) {
  if (!url.startsWith('file://') || !/(multientity-bench|dist)\/(cli|chunks)\//.test(url)) return null;
  if (!modulesOf.has(url)) {
    const owners = [];
    let current = null;
    for (const text of readFileSync(new URL(url), 'utf8').split('\n')) {
      const marked = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(text);
      if (marked) current = marked[1];
      owners.push(current);
    }
    modulesOf.set(url, owners);
  }
  return modulesOf.get(url)[line] ?? null;
}
const whereOf = (callFrame) => {
  const url = moduleAt(callFrame.url, callFrame.lineNumber) ?? callFrame.url;
  return url.replace(/^.*node_modules\//, '~/').replace(/^file:\/\/\/work\/main\//, '');
};
const byFunction = new Map();
const byFile = new Map();
for (const [id, count] of self) {
  const { callFrame } = byId.get(id);
  const where = whereOf(callFrame);
  const key = `${callFrame.functionName || '(anonymous)'}  ${where}:${callFrame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + count);
  const pkg = where.startsWith('~/')
    ? where
        .split('/')
        .slice(0, where.startsWith('~/@') ? 3 : 2)
        .join('/')
    : where || callFrame.functionName;
  byFile.set(pkg, (byFile.get(pkg) ?? 0) + count);
}
const show = (map) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
// Inclusive time: a sample counts for every function on its stack (once, however deep it recurses).
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (id) => {
  const { callFrame } = byId.get(id);
  const where = whereOf(callFrame);
  return `${callFrame.functionName || '(anonymous)'}  ${where}:${callFrame.lineNumber + 1}`;
};
const inclusive = new Map();
for (const id of busy) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) seen.add(keyOf(at));
  for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
}
console.log(
  `${total} busy samples of ${profile.samples.length}\n\nself time by function:\n${show(byFunction)}\n\nself time by package or file:\n${show(byFile)}\n\ninclusive time by function:\n${show(inclusive)}`,
);
