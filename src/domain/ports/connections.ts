import type { Connection, ConnectionStatus } from '../model.js';

export interface ConnectionPage {
  connections: Connection[];
  hasMore: boolean;
}

export type ConnectionDirection = 'inbound' | 'outbound' | 'both';

/** Entity connections. One open (Pending or Connected) connection per ordered pair: `UniqueViolation`. */
export interface ConnectionStore {
  insertConnection(connection: Connection): Promise<void>;
  /** Inserts many connections in a few multi-row statements (bulk loads; run it in a transaction). */
  insertConnections(connections: Connection[]): Promise<void>;
  findConnection(tenantId: string, id: string): Promise<Connection | undefined>;
  /** `findConnection`, the row locked FOR UPDATE: a status transition reads the status it changes. */
  lockConnection(tenantId: string, id: string): Promise<Connection | undefined>;
  findOpenConnection(
    tenantId: string,
    sourceEntityId: string,
    targetEntityId: string,
  ): Promise<Connection | undefined>;
  listConnections(
    tenantId: string,
    entityId: string,
    direction: ConnectionDirection,
    page: { offset: number; limit: number },
  ): Promise<ConnectionPage>;
  updateConnectionStatus(tenantId: string, id: string, status: ConnectionStatus, now: number): Promise<void>;
  deleteConnection(tenantId: string, id: string): Promise<void>;
  /** Removes every connection whose source or target is one of `entityIds`; answers what it removed. */
  deleteConnectionsOfEntities(tenantId: string, entityIds: string[]): Promise<Connection[]>;
}
