import type { ValidatorFactory } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type Compiler<Route, Fn> = (route: Route) => Fn;

/**
 * Fastify compiles every route's validators and serializers before it listens: a third of the
 * server's start-up (docs/PERFORMANCE.md), half of it for the admin API, which a run may never
 * call. For the routes `lazy` picks, these wrappers hand Fastify a function at once and compile the
 * real one on its first call, with the same compiler and schemas, so what is accepted, refused and
 * written is unchanged; that route's first request pays its compiling instead. The Zuora API's
 * routes stay compiled before listening: compiling them on first use would move about 0.2 s (Ajv's
 * and fast-json-stringify's first compile) onto a client's first call.
 */

type Lazy = (route: { url?: string }) => boolean;

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

/** Wraps a validator factory (Fastify's `compilersFactory.buildValidator`): `lazy` routes compile on first use. */
export function lazyValidatorFactory(factory: ValidatorFactory, lazy: Lazy): ValidatorFactory {
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options);
    return ((route: Parameters<typeof compile>[0]) =>
      !lazy(route)
        ? compile(route)
        : lazyValidator(
            compile as Compiler<typeof route, (...args: unknown[]) => unknown>,
            route,
          )) as typeof compile;
  };
}

/** Fastify's own serializer factory (fast-json-stringify); `lazy` routes compile on first use. */
export function lazySerializerFactory(lazy: Lazy): ReturnType<typeof SerializerSelector> {
  const factory = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options);
    return ((route: Parameters<typeof compile>[0]) => {
      if (!lazy(route)) return compile(route);
      let compiled: ReturnType<typeof compile> | undefined;
      return (data: unknown) => {
        compiled ??= compile(route);
        return compiled(data);
      };
    }) as typeof compile;
  };
}
