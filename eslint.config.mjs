// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.psflow/', 'coverage/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value='zod'] > :matches(ImportSpecifier[imported.name='z'], ImportDefaultSpecifier)",
          message:
            "Write `import * as z from 'zod'`: the named `z` is a namespace object esbuild cannot tree-shake, and it puts all of zod (about 450 KB with every locale) in each Lambda bundle.",
        },
      ],
    },
  },
  {
    // The domain, the handlers and the definitions parse what they do not trust (zod, type
    // guards) instead of asserting a type: a cast hides exactly the mismatch a parse reports.
    files: ['shared/**/*.ts', 'functions/**/*.ts', 'state-machines/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'never' }] },
  },
);
