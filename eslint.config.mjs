// House rules held by a tool rather than by review (see README, Architecture).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', 'src/admin/gql/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{js,cjs,mjs}'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'readonly', require: 'readonly', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
  },
  {
    // The console: React's rules of hooks (called in the same order, effects naming all they read).
    // The plugin's React Compiler rules are left out: the console is not compiled by it.
    files: ['src/admin/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      // Unused code is dead code.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Resolver and entity signatures take `any` from GraphQL JSON and pg rows in a few places.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-function-type': 'off',
      'no-restricted-syntax': [
        'error',
        { selector: "Property[key.name='synchronize'][value.value=true]", message: 'Schemas change through migrations only.' },
        { selector: "CallExpression[callee.property.name=/^(skip|only|todo)$/][callee.object.name=/^(it|test|describe)$/]", message: 'No skipped or focused tests.' },
      ],
    },
  },
  {
    // A resolver is one service call: repositories and SQL belong to services.
    files: ['src/**/*.resolver.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.property.name='db'][property.name=/^(query|find|findOne|findOneBy|save|update|delete|createQueryBuilder)$/]", message: 'Resolvers call a service; the service reads the database.' },
      ],
    },
  },
);
