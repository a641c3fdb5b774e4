import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', '.tap/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error'
    }
  },
  {
    // The demo's script runs in the browser, as a module.
    files: ['src/demo/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { document: 'readonly', location: 'readonly', fetch: 'readonly', URLSearchParams: 'readonly', crypto: 'readonly', sessionStorage: 'readonly', EventSource: 'readonly' }
    }
  },
  {
    // dependency-cruiser reads its rules as a CommonJS module.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } }
  },
  {
    // Tests index fixtures they built themselves.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' }
  }
)
