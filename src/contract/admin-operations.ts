import { Type } from 'typebox';
import { adminErrors, security, TAGS, TenantIdParams } from './admin-common.js';

// The operator's routes for fault rules, the journal and limits (docs/ADMIN-API.md).

export const FaultRuleParams = Type.Object({
  tenantId: Type.String({ description: 'The tenant id: digits.' }),
  ruleId: Type.String({ description: 'The fault rule id.' }),
});

const FaultKind = Type.Union(
  [
    Type.Literal('latency'),
    Type.Literal('429'),
    Type.Literal('500'),
    Type.Literal('503'),
    Type.Literal('drop'),
  ],
  {
    description:
      "latency: wait latencyMs, then run the request; 429: Zuora's limit error (category 70) with Retry-After; " +
      "500, 503: Zuora's server errors (categories 60, 61); drop: close the connection without an answer.",
  },
);

export const CreateFaultRuleRequest = Type.Object(
  {
    method: Type.Optional(Type.String({ pattern: '^[A-Za-z]+$', description: 'Any method when absent.' })),
    path: Type.String({
      minLength: 1,
      maxLength: 1000,
      description:
        'An exact path (/v1/entity-connections), a route template (/v1/entity-connections/:connectionId/accept), ' +
        'or a pattern: * within a segment, ** across segments. /oauth/token matches by the client’s tenant.',
    }),
    trackId: Type.Optional(
      Type.String({ maxLength: 64, description: 'Only requests with this Zuora-Track-Id.' }),
    ),
    fault: FaultKind,
    latencyMs: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 600_000, description: 'Added before the answer (any fault).' }),
    ),
    retryAfter: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 86_400,
        description: 'Retry-After seconds: 429 (default 1) and 503.',
      }),
    ),
    times: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Fire for the next N matching requests, then stop. Absent: always.',
      }),
    ),
    rate: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: 'The chance a matching request fires the rule.' }),
    ),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_147_483_647,
        description: 'Seeds the rate: the same seed fires on the same matching requests. Random when absent.',
      }),
    ),
  },
  { additionalProperties: false, title: 'CreateFaultRuleRequest' },
);

export const FaultRule = Type.Object(
  {
    id: Type.String(),
    method: Type.Union([Type.String(), Type.Null()]),
    path: Type.String(),
    trackId: Type.Union([Type.String(), Type.Null()]),
    fault: FaultKind,
    latencyMs: Type.Integer(),
    retryAfter: Type.Union([Type.Integer(), Type.Null()]),
    remaining: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Firings left; null: no end.',
    }),
    rate: Type.Union([Type.Number(), Type.Null()]),
    seed: Type.Integer(),
    matched: Type.Integer({ description: 'Matching requests counted so far (rules with a rate).' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { title: 'FaultRule' },
);

export const FaultRuleResponse = Type.Object({ ...FaultRule.properties, success: Type.Boolean() });
export const FaultRuleListResponse = Type.Object({
  faultRules: Type.Array(FaultRule),
  success: Type.Boolean(),
});
export const ClearedResponse = Type.Object({ deleted: Type.Integer(), success: Type.Boolean() });
export const SuccessResponse = Type.Object({ success: Type.Boolean() });

export const createFaultRuleRoute = {
  operationId: 'Admin_CreateFaultRule',
  summary: 'Create a fault rule',
  tags: TAGS,
  security,
  params: TenantIdParams,
  body: CreateFaultRuleRequest,
  response: { 200: FaultRuleResponse, ...adminErrors },
};

export const listFaultRulesRoute = {
  operationId: 'Admin_ListFaultRules',
  summary: "List a tenant's fault rules",
  tags: TAGS,
  security,
  params: TenantIdParams,
  response: { 200: FaultRuleListResponse, ...adminErrors },
};

export const clearFaultRulesRoute = {
  operationId: 'Admin_ClearFaultRules',
  summary: "Delete all of a tenant's fault rules",
  tags: TAGS,
  security,
  params: TenantIdParams,
  response: { 200: ClearedResponse, ...adminErrors },
};

export const deleteFaultRuleRoute = {
  operationId: 'Admin_DeleteFaultRule',
  summary: 'Delete one fault rule',
  tags: TAGS,
  security,
  params: FaultRuleParams,
  response: { 200: SuccessResponse, ...adminErrors },
};

export const JournalQuery = Type.Object(
  {
    path: Type.Optional(
      Type.String({ description: 'An exact path or a pattern (* and **), without query.' }),
    ),
    status: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 599, description: 'The HTTP status; 0: dropped.' }),
    ),
    trackId: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 100 })),
  },
  { additionalProperties: false },
);

export const JournalEntry = Type.Object(
  {
    at: Type.String({ format: 'date-time' }),
    method: Type.String(),
    url: Type.String({ description: 'The path and query as sent.' }),
    headers: Type.Record(Type.String(), Type.String(), { description: 'The bearer token masked.' }),
    body: Type.Unknown({ description: 'The parsed request body (client_secret masked), or null.' }),
    status: Type.Integer({ description: 'The HTTP status; 0 when the connection was dropped.' }),
    response: Type.Unknown({ description: 'The response body, parsed when JSON, or null.' }),
    durationMs: Type.Number(),
    requestId: Type.String(),
    trackId: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'JournalEntry' },
);

export const JournalResponse = Type.Object({ requests: Type.Array(JournalEntry), success: Type.Boolean() });

export const listJournalRoute = {
  operationId: 'Admin_ListJournal',
  summary: "A tenant's recent requests, newest first",
  tags: TAGS,
  security,
  params: TenantIdParams,
  querystring: JournalQuery,
  response: { 200: JournalResponse, ...adminErrors },
};

export const clearJournalRoute = {
  operationId: 'Admin_ClearJournal',
  summary: "Forget a tenant's recent requests",
  tags: TAGS,
  security,
  params: TenantIdParams,
  response: { 200: SuccessResponse, ...adminErrors },
};

const LimitNumber = Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 }));

export const LimitSettings = Type.Object(
  {
    profile: Type.Union(
      [
        Type.Literal('off'),
        Type.Literal('production'),
        Type.Literal('developer-sandbox'),
        Type.Literal('api-sandbox'),
      ],
      { description: "Zuora's numbers per environment (docs/ADMIN-API.md: Zuora's limits), or off." },
    ),
    perMinute: LimitNumber,
    perHour: LimitNumber,
    perDay: LimitNumber,
    concurrency: LimitNumber,
    tokenPerMinute: LimitNumber,
  },
  { additionalProperties: false, title: 'LimitSettings' },
);

export const Limits = Type.Object({
  perMinute: Type.Integer(),
  perHour: Type.Integer(),
  perDay: Type.Integer(),
  concurrency: Type.Integer(),
  tokenPerMinute: Type.Integer(),
});

export const LimitsResponse = Type.Object({
  settings: LimitSettings,
  limits: Type.Union([Limits, Type.Null()], { description: 'The numbers in force; null when off.' }),
  success: Type.Boolean(),
});

export const getLimitsRoute = {
  operationId: 'Admin_GetLimits',
  summary: "A tenant's limits",
  tags: TAGS,
  security,
  params: TenantIdParams,
  response: { 200: LimitsResponse, ...adminErrors },
};

export const setLimitsRoute = {
  operationId: 'Admin_SetLimits',
  summary: "Set a tenant's limits: a profile, with any number overridden",
  tags: TAGS,
  security,
  params: TenantIdParams,
  body: LimitSettings,
  response: { 200: LimitsResponse, ...adminErrors },
};
