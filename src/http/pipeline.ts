import type {
  FastifyInstance,
  onRequestAsyncHookHandler,
  onResponseAsyncHookHandler,
  onSendAsyncHookHandler,
  preHandlerAsyncHookHandler,
  preParsingAsyncHookHandler,
  preValidationAsyncHookHandler,
  preValidationHookHandler,
} from 'fastify';
import type { Config } from '../config.js';
import type { Services } from '../services.js';
import { authenticate, enterTenantContext } from './plugins/authentication.js';
import { durabilityBarrier } from './plugins/durability.js';
import { faultRules } from './plugins/faults.js';
import { storeErrorResponse } from './plugins/idempotency.js';
import { keepJournalBody, recordJournal } from './plugins/journal.js';
import { entityLimits, tokenClientLimit } from './plugins/limits.js';
import { countRequest, type Metrics } from './plugins/metrics.js';
import { operatorAuth } from './plugins/operator-auth.js';
import { createRequestContext } from './plugins/request-context.js';
import { decodeBody, emptyBodyAsObject, installBodyParsers } from './plugins/request-decoding.js';
import { decorateRequestState, type RequestState } from './request-state.js';

/** What runs in each phase of a request, in the order Fastify runs the phases. */
interface PhaseRunners {
  onRequest: onRequestAsyncHookHandler;
  preParsing: preParsingAsyncHookHandler;
  /** Content-type parsers, installed once. */
  parsing: (app: FastifyInstance) => void;
  preValidation: preValidationHookHandler | preValidationAsyncHookHandler;
  /** Fastify's own, by the route's schema. */
  validation: never;
  preHandler: preHandlerAsyncHookHandler;
  /** The route's own (and the error handler, for an error in any phase). */
  handler: never;
  onSend: onSendAsyncHookHandler;
  onResponse: onResponseAsyncHookHandler;
}

export type Phase = keyof PhaseRunners;

export const PHASES: readonly Phase[] = [
  'onRequest',
  'preParsing',
  'parsing',
  'preValidation',
  'validation',
  'preHandler',
  'handler',
  'onSend',
  'onResponse',
];

/** What a step reads or leaves: a field of the request's state (request-state.ts), or its own parts. */
export type Fact = keyof RequestState | 'headers' | 'body' | 'route';

/** One step of the pipeline. */
export type Step = {
  [P in Phase]: {
    phase: P;
    name: string;
    reads: readonly Fact[];
    leaves: readonly Fact[];
    /** None for a step Fastify, a route or a plugin of the app does itself: listed to show its place. */
    run?: PhaseRunners[P];
    /** False: left out (the journal, when it is off). */
    enabled?: boolean;
  };
}[Phase];

export interface PipelineDeps {
  services: Pick<
    Services,
    'auth' | 'tenantContexts' | 'limits' | 'faults' | 'journal' | 'idempotency' | 'database'
  >;
  config: Pick<Config, 'bodyLimit'> & Partial<Pick<Config, 'operatorToken'>>;
  metrics: Metrics;
}

/**
 * The path of every request, step by step (docs/ARCHITECTURE.md, "The path of a request"). Steps of
 * one phase run in the order listed. A step passes what it learns to later ones only through the
 * request's state (request-state.ts), as its `leaves` say; no step's module imports another's.
 */
export function requestPipeline({ services, config, metrics }: PipelineDeps) {
  const context = createRequestContext();
  const steps: Step[] = [
    {
      phase: 'onRequest',
      name: 'request context: request id, Host, track id, Zuora-Version, Idempotency-Key length, closing',
      reads: ['headers'],
      leaves: ['trackId', 'apiVersion'],
      run: context.onRequest,
    },
    {
      phase: 'onRequest',
      name: 'operator token, on /admin/ routes',
      reads: ['headers', 'route'],
      leaves: [],
      run: operatorAuth(config.operatorToken),
    },
    {
      phase: 'onRequest',
      name: 'bearer token and entity context, on config.auth routes',
      reads: ['headers', 'route'],
      leaves: ['actor', 'tenantApiVersion', 'tenantContext'],
      run: authenticate(services),
    },
    {
      phase: 'onRequest',
      name: "limits: the entity's concurrency, the tenant's rate",
      reads: ['actor'],
      leaves: [],
      run: entityLimits(services, metrics.limitRejections),
    },
    {
      phase: 'preParsing',
      name: 'body decoding: gzip inflated, bounded',
      reads: ['headers'],
      leaves: [],
      run: decodeBody(config.bodyLimit),
    },
    {
      phase: 'parsing',
      name: 'body parsers: JSON, and an empty body is no body (forms: @fastify/formbody)',
      reads: ['headers'],
      leaves: ['body'],
      run: installBodyParsers,
    },
    {
      phase: 'preValidation',
      name: "the tenant's clock and ids entered for the rest of the request",
      reads: ['tenantContext'],
      leaves: [],
      run: enterTenantContext,
    },
    {
      phase: 'preValidation',
      name: 'a route that takes a body and got none sees {}',
      reads: ['body', 'route'],
      leaves: ['body'],
      run: emptyBodyAsObject,
    },
    {
      phase: 'preValidation',
      name: "POST /oauth/token: HTTP Basic's client into the form (the route's own hook)",
      reads: ['headers', 'body'],
      leaves: ['body'],
    },
    {
      phase: 'validation',
      name: "headers, query, params and body against the route's schema",
      reads: ['headers', 'body', 'route'],
      leaves: [],
    },
    {
      phase: 'preHandler',
      name: "POST /oauth/token: the form's client read, and the token limit",
      reads: ['actor', 'body', 'route'],
      leaves: ['tokenClient'],
      run: tokenClientLimit(services, metrics.limitRejections),
    },
    {
      phase: 'preHandler',
      name: "fault rules of the request's tenant",
      reads: ['actor', 'tokenClient', 'trackId', 'route'],
      leaves: [],
      run: faultRules(services, metrics.faultsInjected),
    },
    {
      phase: 'handler',
      name: 'the route, under its Idempotency-Key on idempotent routes (plugins/idempotency.ts)',
      reads: ['actor', 'apiVersion', 'tenantApiVersion', 'tokenClient', 'body'],
      leaves: ['idempotency'],
    },
    {
      phase: 'handler',
      name: "an error from any phase, answered in Zuora's envelope (error-handler.ts)",
      reads: ['apiVersion', 'tenantApiVersion', 'trackId'],
      leaves: ['retryable'],
    },
    {
      phase: 'onSend',
      name: "a failed handler's error response stored under its Idempotency-Key",
      reads: ['idempotency', 'retryable', 'trackId'],
      leaves: [],
      run: storeErrorResponse(services),
    },
    {
      phase: 'onSend',
      name: 'the response body kept for the journal',
      reads: ['actor', 'tokenClient'],
      leaves: ['journalPayload'],
      run: keepJournalBody,
      enabled: services.journal.enabled,
    },
    {
      phase: 'onSend',
      name: 'durability barrier, for every method but GET and HEAD',
      reads: [],
      leaves: [],
      run: durabilityBarrier(services),
    },
    {
      phase: 'onSend',
      name: "compression: @fastify/compress, the route's own onSend, after these",
      reads: ['headers'],
      leaves: [],
    },
    {
      phase: 'onResponse',
      name: 'metrics: the request counted and timed by operation',
      reads: ['route'],
      leaves: [],
      run: countRequest(metrics),
    },
    {
      phase: 'onResponse',
      name: "the exchange recorded in the tenant's journal",
      reads: ['actor', 'tokenClient', 'trackId', 'journalPayload', 'body', 'headers'],
      leaves: [],
      run: recordJournal(services),
      enabled: services.journal.enabled,
    },
  ];
  return { steps, preClose: context.preClose };
}

export type Pipeline = ReturnType<typeof requestPipeline>;

/**
 * Declares the request's state and adds each step's hook, in the list's order. Registered before
 * any route and any encapsulated plugin, so that every route, the API reference's at /docs too, runs
 * the whole pipeline.
 */
export function registerPipeline(app: FastifyInstance, { steps, preClose }: Pipeline): void {
  decorateRequestState(app);
  app.addHook('preClose', preClose);
  for (const step of steps) {
    if (step.enabled === false) continue;
    switch (step.phase) {
      case 'onRequest':
        if (step.run) app.addHook('onRequest', step.run);
        break;
      case 'preParsing':
        if (step.run) app.addHook('preParsing', step.run);
        break;
      case 'parsing':
        step.run?.(app);
        break;
      case 'preValidation':
        if (step.run) app.addHook('preValidation', step.run);
        break;
      case 'preHandler':
        if (step.run) app.addHook('preHandler', step.run);
        break;
      case 'onSend':
        if (step.run) app.addHook('onSend', step.run);
        break;
      case 'onResponse':
        if (step.run) app.addHook('onResponse', step.run);
        break;
      case 'validation':
      case 'handler':
        break;
    }
  }
}
