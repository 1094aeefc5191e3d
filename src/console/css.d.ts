/** esbuild bundles an imported stylesheet into dist/console/app.css; the import has no value. */
declare module '*.css';
