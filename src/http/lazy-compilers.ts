import type { ValidatorFactory } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type Compiler<Route, Fn> = (route: Route) => Fn;

/**
 * Fastify compiles every route's validators and serializers before it listens: a third of the
 * server's start-up (docs/PERFORMANCE.md), mostly for routes a run may never call (the admin API).
 * These wrappers hand Fastify a function at once and compile the real one on its first call, with
 * the same compiler and schemas, so what is accepted, refused and written is unchanged; the first
 * request of each route pays its compiling instead.
 */

/**
 * The validator Fastify calls. Fastify reads `schemaEnv` before the call (an Ajv validator given
 * it is called with its parent, so coercion and defaults can replace a root value) and `errors`
 * after it (Ajv keeps them on the function), so both are read through from the compiled one.
 */
function lazyValidator<Route>(compile: Compiler<Route, (...args: unknown[]) => unknown>, route: Route) {
  let compiled: ((...args: unknown[]) => unknown) & { errors?: unknown; schemaEnv?: unknown };
  const real = () => {
    compiled ??= compile(route);
    return compiled;
  };
  const validate = (...args: unknown[]) => real()(...args);
  Object.defineProperties(validate, {
    schemaEnv: { get: () => real().schemaEnv },
    errors: { get: () => real().errors },
  });
  return validate;
}

/** Wraps a validator factory (Fastify's `compilersFactory.buildValidator`) to compile on first use. */
export function lazyValidatorFactory(factory: ValidatorFactory): ValidatorFactory {
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options);
    return ((route: Parameters<typeof compile>[0]) =>
      lazyValidator(
        compile as Compiler<typeof route, (...args: unknown[]) => unknown>,
        route,
      )) as typeof compile;
  };
}

/** Fastify's own serializer factory (fast-json-stringify), compiling each serializer on first use. */
export function lazySerializerFactory(): ReturnType<typeof SerializerSelector> {
  const factory = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options);
    return ((route: Parameters<typeof compile>[0]) => {
      let compiled: ReturnType<typeof compile> | undefined;
      return (data: unknown) => {
        compiled ??= compile(route);
        return compiled(data);
      };
    }) as typeof compile;
  };
}
