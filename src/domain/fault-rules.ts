import { LRUCache } from 'lru-cache';
import type { Clock } from './clock.js';
import { AppError } from './errors.js';
import type { IdGenerator } from './ids.js';
import type { FaultKind, FaultRule } from './model.js';
import type { FaultStore, TenantStore } from './ports/index.js';

/**
 * Fault rules: a tenant's requests that match a rule are answered with a failure Zuora can give
 * (added latency, 429, 500, 503, a dropped connection), so a client's retry logic can be tested.
 * The matching and the seeded chance are pure; the counting ("the next N", the match number a rate
 * is drawn for) is done in the database with atomic updates, so it holds across instances.
 */

export type { FaultKind, FaultRule } from './model.js';

export interface FaultRuleInput {
  method?: string;
  path: string;
  trackId?: string;
  fault: FaultKind;
  latencyMs?: number;
  retryAfter?: number;
  times?: number;
  rate?: number;
  seed?: number;
}

export interface FaultTarget {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The route's template, e.g. `/v1/entity-connections/:connectionId/accept`, when one matched. */
  routeUrl: string | undefined;
  trackId: string | undefined;
}

const patternCache = new Map<string, RegExp>();

/**
 * `*` stands for any characters within one path segment, `**` for any characters at all. A path
 * without `*` must match exactly, or equal the route's template.
 */
export function pathMatches(pattern: string, path: string, routeUrl?: string): boolean {
  if (!pattern.includes('*')) return pattern === path || pattern === routeUrl;
  let regex = patternCache.get(pattern);
  if (!regex) {
    const source = pattern
      .split('**')
      .map((part) =>
        part
          .split('*')
          .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*'),
      )
      .join('.*');
    regex = new RegExp(`^${source}$`);
    if (patternCache.size > 1000) patternCache.clear();
    patternCache.set(pattern, regex);
  }
  return regex.test(path);
}

export function ruleMatches(rule: FaultRule, target: FaultTarget): boolean {
  if (rule.remaining !== null && rule.remaining <= 0) return false;
  if (rule.method !== null && rule.method !== target.method) return false;
  if (rule.trackId !== null && rule.trackId !== target.trackId) return false;
  return pathMatches(rule.path, target.path, target.routeUrl);
}

/**
 * A number in [0, 1) drawn from (seed, n) alone: the n-th matching request of a rule fires or not
 * the same way on every run and on whichever instance serves it (a 32-bit integer hash, murmur3's
 * finalizer).
 */
export function seededChance(seed: number, n: number): number {
  let x = (seed ^ Math.imul(n, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  x = (x ^ (x >>> 16)) >>> 0;
  return x / 2 ** 32;
}

/** Whether the n-th matching request (from 1) fires a rule with this rate and seed. */
export function firesAt(rate: number | null, seed: number, n: number): boolean {
  return rate === null || seededChance(seed, n) < rate;
}

export interface FaultPlan {
  /** Milliseconds to wait before going on or answering. */
  delayMs: number;
  /** The rule whose failure answers the request; none: the request runs after the delay. */
  answer: FaultRule | undefined;
}

export type FaultRuleStore = FaultStore & Pick<TenantStore, 'findTenant'>;

export interface FaultServiceDeps {
  store: FaultRuleStore;
  clock: Clock;
  ids: IdGenerator;
  /** Makes a seed for rules created without one. */
  randomSeed?: () => number;
  /** How long a tenant's rule list is cached; rules made through another instance show after it. */
  cacheMs?: number;
}

/** Tenants whose fault rules one instance keeps in memory at most. */
const TENANTS_CACHED = 10_000;

export function createFaultService({
  store,
  clock,
  ids,
  randomSeed = () => Math.floor(Math.random() * 2 ** 31),
  cacheMs = 1000,
}: FaultServiceDeps) {
  // Bounded: a server used by many tenants keeps the most recently used ones' rules.
  const cache = new LRUCache<string, FaultRule[]>({ max: TENANTS_CACHED, ttl: cacheMs });

  async function rulesOf(tenantId: string): Promise<FaultRule[]> {
    const hit = cache.get(tenantId);
    if (hit) return hit;
    const rules = await store.listFaultRules(tenantId);
    cache.set(tenantId, rules);
    return rules;
  }

  async function requireTenant(tenantId: string) {
    if (!(await store.findTenant(tenantId))) throw new AppError('TENANT_NOT_FOUND');
  }

  /** Whether this matching request fires the rule, counting it in the database. */
  async function fires(rule: FaultRule): Promise<boolean> {
    if (rule.rate !== null) {
      const n = await store.countFaultRuleMatch(rule.id);
      if (n === undefined || !firesAt(rule.rate, rule.seed, n)) return false;
    }
    if (rule.remaining !== null) return store.consumeFaultRule(rule.id);
    return true;
  }

  return {
    async create(tenantId: string, input: FaultRuleInput): Promise<FaultRule> {
      await requireTenant(tenantId);
      if (input.fault === 'latency' && !input.latencyMs) {
        throw new AppError(
          'VALIDATION_FAILED',
          'Invalid value for latencyMs: a latency rule needs latencyMs > 0.',
        );
      }
      const rule: FaultRule = {
        id: ids.hex32(),
        tenantId,
        method: input.method?.toUpperCase() ?? null,
        path: input.path,
        trackId: input.trackId ?? null,
        fault: input.fault,
        latencyMs: input.latencyMs ?? 0,
        retryAfter: input.retryAfter ?? (input.fault === '429' ? 1 : null),
        remaining: input.times ?? null,
        rate: input.rate ?? null,
        seed: input.seed ?? randomSeed(),
        matched: 0,
        createdAt: clock.now(),
      };
      await store.insertFaultRule(rule);
      cache.delete(tenantId);
      return rule;
    },

    async list(tenantId: string): Promise<FaultRule[]> {
      await requireTenant(tenantId);
      return store.listFaultRules(tenantId);
    },

    async clear(tenantId: string): Promise<number> {
      await requireTenant(tenantId);
      cache.delete(tenantId);
      return store.deleteFaultRules(tenantId);
    },

    async remove(tenantId: string, id: string): Promise<void> {
      await requireTenant(tenantId);
      cache.delete(tenantId);
      if (!(await store.deleteFaultRule(tenantId, id))) throw new AppError('FAULT_RULE_NOT_FOUND');
    },

    /**
     * What to do with a request of the tenant. Rules are tried in the order they were made: every
     * matching rule that fires adds its latency; the first one that fires with a failure answers.
     */
    async plan(tenantId: string, target: FaultTarget): Promise<FaultPlan> {
      const rules = await rulesOf(tenantId);
      let delayMs = 0;
      for (const rule of rules) {
        if (!ruleMatches(rule, target) || !(await fires(rule))) continue;
        delayMs += rule.latencyMs;
        if (rule.fault !== 'latency') {
          // The cached copy would keep matching after its last firing; the database says no anyway.
          if (rule.remaining !== null) cache.delete(tenantId);
          return { delayMs, answer: rule };
        }
        if (rule.remaining !== null) cache.delete(tenantId);
      }
      return { delayMs, answer: undefined };
    },
  };
}

export type FaultService = ReturnType<typeof createFaultService>;
