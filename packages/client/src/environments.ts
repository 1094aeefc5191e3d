/**
 * Zuora's REST base URLs, per data center and environment, as Zuora's v1 API reference lists them
 * (developer.zuora.com/v1-api-reference/introduction, "Base URL"). Multi-entity paths (`/v1/entities`,
 * `/oauth/token`, …) are the same on each.
 */
export const ZUORA_ENVIRONMENTS = {
  /** US Developer & Central Sandbox (Cloud 1 and 2). */
  US_DEVELOPER_SANDBOX: 'https://rest.test.zuora.com',
  US_CENTRAL_SANDBOX: 'https://rest.test.zuora.com',
  US_CLOUD_1_API_SANDBOX: 'https://rest.sandbox.na.zuora.com',
  US_CLOUD_1_PRODUCTION: 'https://rest.na.zuora.com',
  US_CLOUD_2_API_SANDBOX: 'https://rest.apisandbox.zuora.com',
  US_CLOUD_2_PRODUCTION: 'https://rest.zuora.com',
  EU_DEVELOPER_SANDBOX: 'https://rest.test.eu.zuora.com',
  EU_CENTRAL_SANDBOX: 'https://rest.test.eu.zuora.com',
  EU_API_SANDBOX: 'https://rest.sandbox.eu.zuora.com',
  EU_PRODUCTION: 'https://rest.eu.zuora.com',
  APAC_DEVELOPER_SANDBOX: 'https://rest.test.ap.zuora.com',
  APAC_CENTRAL_SANDBOX: 'https://rest.test.ap.zuora.com',
  APAC_PRODUCTION: 'https://rest.ap.zuora.com',
} as const;

export type ZuoraEnvironment = keyof typeof ZUORA_ENVIRONMENTS;
