import { Type } from 'typebox';
import { ErrorResponse } from './common.js';

/** What every admin route's schema shares (admin.ts, admin-operations.ts). */
export const TAGS = ['Admin'];

/** The admin API takes the operator token, not a tenant's bearer token (http/plugins/operator-auth.ts). */
export const security = [{ operatorToken: [] }];

export const adminErrors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  500: ErrorResponse,
} as const;

export const TenantIdParams = Type.Object({
  tenantId: Type.String({ description: "The tenant's id: digits." }),
});
