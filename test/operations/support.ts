/** The operator token the suites configure (MULTIENTITY_OPERATOR_TOKEN). */
export const OPERATOR_TOKEN = 'operator-token-for-tests-0123456789';
export const operatorEnv = { MULTIENTITY_OPERATOR_TOKEN: OPERATOR_TOKEN };
export const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };
