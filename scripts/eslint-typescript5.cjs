// Preloaded by `npm run lint` for ESLint only (node -r). typescript-eslint reads types through the
// TypeScript compiler's JavaScript API, which the native compiler of TypeScript 7 (the project's
// `typescript`, for `tsc`) does not have; typescript-5 (package.json, an alias of typescript@5)
// has it. This points ESLint's `require('typescript')` there, and nothing else.
const Module = require('node:module');

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const redirected = request === 'typescript' || request.startsWith('typescript/');
  return resolveFilename.call(
    this,
    redirected ? request.replace(/^typescript/, 'typescript-5') : request,
    ...rest,
  );
};
