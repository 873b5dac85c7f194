import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const serviceScopes = ['identity', 'proposals', 'voting', 'ledger', 'gateway'];

export default [
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/tmp/**', '.yishi/**', '.nx/**', 'libs/contracts/src/gen/**'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allowCircularSelfDependency: false,
          banTransitiveDependencies: true,
          depConstraints: [
            // Apps are process shells: they import features and shared libraries, never another app.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:contracts', 'type:util', 'type:data-access'] },
            // Features and data access may use the testing library (their integration specs do).
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:contracts', 'type:util', 'type:data-access', 'type:testing'] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access', 'type:testing'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access', 'type:testing'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
            // A service scope sees only itself and what is shared.
            ...serviceScopes.map((scope) => ({
              sourceTag: `scope:${scope}`,
              onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:shared'],
            })),
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            // The standalone process is the one place that composes every service.
            { sourceTag: 'scope:standalone', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
  {
    // Plain CommonJS tooling (jest config, the TypeScript require hook).
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
