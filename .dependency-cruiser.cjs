/** The layout's rules (see the README's map of the code); `npm run lint` fails on any of them. */
const FEATURES = '(exchange-sessions|funding-sources|bank-links|live-events|webhooks)'

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle makes load order matter and modules inseparable.',
      severity: 'error',
      from: {},
      to: { circular: true }
    },
    {
      name: 'simulator-and-demo-from-the-entry-only',
      comment: 'Production never loads the simulator or the demo: only the entry imports them, dynamically, in simulator mode.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(simulator|demo)/', '^src/server\\.ts$'] },
      to: { path: '^src/(simulator|demo)/' }
    },
    {
      name: 'simulator-apart-from-the-service',
      comment: 'The simulator stands in for Dwolla and shares no service code. src/config/ and logger.ts excepted: ' +
        'its environment is read with the same validators and refusals, and its logs redacted alike; neither holds service state.',
      severity: 'error',
      from: { path: '^src/simulator/' },
      to: { path: '^src/', pathNot: ['^src/simulator/', '^src/config/', '^src/logger\\.ts$'] }
    },
    {
      name: 'features-apart',
      comment: 'A feature reaches another only through its service module (a store, a hub), never its routes or schemas; shared request schemas are in src/schemas.ts.',
      severity: 'error',
      from: { path: `^src/${FEATURES}/` },
      to: { path: `^src/${FEATURES}/(routes|schemas)\\.ts$`, pathNot: '^src/$1/' }
    },
    {
      name: 'only-dwolla-speaks-dwolla',
      comment: "Dwolla's wire format, token and transport stay inside src/dwolla/; everything else calls its client.",
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/dwolla/' },
      to: { path: '^src/dwolla/', pathNot: '^src/dwolla/client\\.ts$' }
    },
    {
      name: 'http-clients-where-they-belong',
      comment: "Outbound HTTP (undici) is the Dwolla client's, the JWKS fetcher's and the simulator's (its webhook deliveries), nobody else's.",
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/dwolla/', '^src/simulator/', '^src/auth/jwks\\.ts$'] },
      to: { path: '^node_modules/undici/' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] }
  }
}
