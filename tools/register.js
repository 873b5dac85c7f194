// Runs TypeScript sources directly (child processes in fault tests, scripts): compiles each file
// with the workspace's .swcrc and resolves the @yishi/* aliases from tsconfig.base.json.
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { resolve } = require('node:path');
const { transformSync } = require('@swc/core');

const root = resolve(__dirname, '..');
const swcrc = JSON.parse(readFileSync(resolve(root, '.swcrc'), 'utf8'));
const { paths } = JSON.parse(readFileSync(resolve(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const aliases = new Map(Object.entries(paths).map(([alias, [target]]) => [alias, resolve(root, target)]));

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveAlias(request, ...rest) {
  return resolveFilename.call(this, aliases.get(request) ?? request, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    ...swcrc,
    exclude: undefined,
    filename,
    sourceMaps: 'inline',
    jsc: { ...swcrc.jsc, baseUrl: root, paths: undefined },
  });
  module._compile(code, filename);
};
