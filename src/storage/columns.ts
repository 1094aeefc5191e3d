/**
 * The columns statements read and write of each table, in the order of its row type (schema.ts),
 * named once for both databases' statements. Named rather than `*`: a prepared `select *` changes
 * what it returns when another instance migrates, which PostgreSQL then refuses.
 */
export const columns = {
  entities: 'id, tenant_id, name, display_name, locale, timezone, status, parent_id, created_at',
  entityConnections: 'id, tenant_id, source_entity_id, target_entity_id, status, created_at, updated_at',
  users: 'id, tenant_id, username, home_entity_id, status, created_at',
  memberships: 'user_id, entity_id, role, status, updated_at',
  oauthClients: 'client_id, tenant_id, user_id, secret_hash, entity_ids, created_at, status',
  accessTokens: 'token_hash, jti, tenant_id, client_id, user_id, entity_ids, issued_at, expires_at',
} as const;
