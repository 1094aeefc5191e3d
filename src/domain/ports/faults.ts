import type { FaultRule } from '../model.js';

/** Fault rules, counted with atomic updates so that "the next N" holds across instances (domain/fault-rules.ts). */
export interface FaultStore {
  insertFaultRule(rule: FaultRule): Promise<void>;
  /** In the order they were made. */
  listFaultRules(tenantId: string): Promise<FaultRule[]>;
  deleteFaultRule(tenantId: string, id: string): Promise<boolean>;
  deleteFaultRules(tenantId: string): Promise<number>;
  /** Adds one to the rule's match count and answers it; undefined when the rule is gone. */
  countFaultRuleMatch(id: string): Promise<number | undefined>;
  /** Takes one remaining firing, atomically; false when none is left. */
  consumeFaultRule(id: string): Promise<boolean>;
}
