import type {
  AdvanceClockBody,
  AuditQuery,
  ClockState,
  CreateClientBody,
  CreatedTenant,
  CreateFaultRuleRequest,
  CreateTenantBody,
  CreateUserBody,
  FaultRuleResponse,
  JournalQuery,
  LimitSettings,
  Operations,
  SetClockBody,
} from './contract.generated.js';
import { type OperationId, type OperationInput, operationRequest } from './operations.js';
import type { CallOptions, Transport } from './transport.js';

type AdminId = Extract<OperationId, `Admin_${string}`>;

/** multientity's admin API (`/admin/v1`), with the operator token. Not retried but for reads. */
export class AdminApi {
  readonly tenants;
  readonly users;
  readonly clients;
  readonly clock;
  readonly faults;
  readonly journal;
  readonly audit;
  readonly limits;

  constructor(
    private readonly transport: Transport,
    private readonly operatorToken: string,
  ) {
    const call = this.call.bind(this);
    this.tenants = {
      /** A tenant from one tenant of the fixture format: its ids by name, and its clients' secrets. */
      create: (body: CreateTenantBody, o?: CallOptions): Promise<CreatedTenant> =>
        call('Admin_CreateTenant', { body }, o),
      list: (o?: CallOptions) => call('Admin_ListTenants', {}, o),
      get: (tenantId: string, o?: CallOptions) => call('Admin_GetTenant', { params: { tenantId } }, o),
      delete: (tenantId: string, o?: CallOptions) => call('Admin_DeleteTenant', { params: { tenantId } }, o),
      /** Back to the fixture it was made from: same ids and secrets, no faults, real time. */
      reset: (tenantId: string, o?: CallOptions) => call('Admin_ResetTenant', { params: { tenantId } }, o),
    };
    this.users = {
      create: (tenantId: string, body: CreateUserBody, o?: CallOptions) =>
        call('Admin_CreateUser', { params: { tenantId }, body }, o),
      list: (tenantId: string, o?: CallOptions) => call('Admin_ListUsers', { params: { tenantId } }, o),
      deactivate: (tenantId: string, userId: string, o?: CallOptions) =>
        call('Admin_DeactivateUser', { params: { tenantId, userId } }, o),
    };
    this.clients = {
      create: (tenantId: string, body: CreateClientBody, o?: CallOptions) =>
        call('Admin_CreateClient', { params: { tenantId }, body }, o),
      list: (tenantId: string, o?: CallOptions) => call('Admin_ListClients', { params: { tenantId } }, o),
      deactivate: (tenantId: string, clientId: string, o?: CallOptions) =>
        call('Admin_DeactivateClient', { params: { tenantId, clientId } }, o),
    };
    this.clock = {
      get: (tenantId: string, o?: CallOptions): Promise<ClockState> =>
        call('Admin_GetClock', { params: { tenantId } }, o),
      /** `{ time?, frozen? }`: a field left out stays as it is. */
      set: (tenantId: string, body: SetClockBody, o?: CallOptions) =>
        call('Admin_SetClock', { params: { tenantId }, body }, o),
      advance: (tenantId: string, body: AdvanceClockBody, o?: CallOptions) =>
        call('Admin_AdvanceClock', { params: { tenantId }, body }, o),
      /** Back to real time. */
      reset: (tenantId: string, o?: CallOptions) => call('Admin_ResetClock', { params: { tenantId } }, o),
    };
    this.faults = {
      create: (tenantId: string, body: CreateFaultRuleRequest, o?: CallOptions): Promise<FaultRuleResponse> =>
        call('Admin_CreateFaultRule', { params: { tenantId }, body }, o),
      list: (tenantId: string, o?: CallOptions) => call('Admin_ListFaultRules', { params: { tenantId } }, o),
      delete: (tenantId: string, ruleId: string, o?: CallOptions) =>
        call('Admin_DeleteFaultRule', { params: { tenantId, ruleId } }, o),
      clear: (tenantId: string, o?: CallOptions) =>
        call('Admin_ClearFaultRules', { params: { tenantId } }, o),
    };
    this.journal = {
      /** Newest first. */
      list: (tenantId: string, query: JournalQuery = {}, o?: CallOptions) =>
        call('Admin_ListJournal', { params: { tenantId }, query }, o),
      clear: (tenantId: string, o?: CallOptions) => call('Admin_ClearJournal', { params: { tenantId } }, o),
    };
    this.audit = {
      /** Newest first. */
      list: (tenantId: string, query: AuditQuery = {}, o?: CallOptions) =>
        call('Admin_ListAudit', { params: { tenantId }, query }, o),
    };
    this.limits = {
      get: (tenantId: string, o?: CallOptions) => call('Admin_GetLimits', { params: { tenantId } }, o),
      set: (tenantId: string, body: LimitSettings, o?: CallOptions) =>
        call('Admin_SetLimits', { params: { tenantId }, body }, o),
    };
  }

  /** Any admin operation by its name in `OPERATIONS`. */
  async call<K extends AdminId>(
    operationId: K,
    input: OperationInput<K>,
    options: CallOptions = {},
  ): Promise<Operations[K]['response']> {
    const request = operationRequest(operationId, input);
    const { body } = await this.transport.call<Operations[K]['response']>(
      { ...request, authorization: async () => `Bearer ${this.operatorToken}` },
      // Admin writes take no Idempotency-Key: a retry could do them twice.
      { ...(request.method === 'GET' ? {} : { maxRetries: 0 }), ...options },
    );
    return body;
  }
}
