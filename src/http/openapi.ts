import type { FastifySchema } from 'fastify';

/**
 * Zuora's path parameter names that Fastify's router cannot spell (a hyphen ends a parameter
 * name there): the route uses the key, the OpenAPI document shows the value.
 */
const ZUORA_PARAM_NAMES: Record<string, string> = { connectionId: 'connection-id' };

interface TransformInput {
  schema: FastifySchema;
  url: string;
}

export function zuoraPathParameters({ schema, url }: TransformInput): TransformInput {
  let zuoraUrl = url;
  let params = schema?.params as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  for (const [ours, theirs] of Object.entries(ZUORA_PARAM_NAMES)) {
    if (!zuoraUrl.includes(`:${ours}`)) continue;
    zuoraUrl = zuoraUrl.replace(`:${ours}`, `{${theirs}}`);
    if (params?.properties?.[ours]) {
      const { [ours]: definition, ...rest } = params.properties;
      params = {
        ...params,
        properties: { ...rest, [theirs]: definition },
        required: (params.required ?? [ours]).map((r) => (r === ours ? theirs : r)),
      };
    }
  }
  return { schema: params ? { ...schema, params } : schema, url: zuoraUrl };
}
