// One Jest run for the whole workspace: unit specs sit next to the code (*.spec.ts), integration
// specs use the machine's Postgres and NATS (*.int-spec.ts), scenarios live in test/ (*.e2e-spec.ts).
const { readFileSync } = require('node:fs');

const swcrc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const { paths } = JSON.parse(readFileSync(`${__dirname}/tsconfig.base.json`, 'utf8')).compilerOptions;

const moduleNameMapper = Object.fromEntries(
  Object.entries(paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.{spec,int-spec,e2e-spec}.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false, exclude: [], jsc: { ...swcrc.jsc, baseUrl: __dirname, paths: undefined } }],
  },
  moduleNameMapper,
  setupFiles: ['<rootDir>/jest.setup.js'],
  testTimeout: 60_000,
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
};
