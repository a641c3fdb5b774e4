import { writeFile } from 'node:fs/promises'
import { generateOpenapiDocument } from './document.js'

// npm run openapi: the contract regenerated from the routes' schemas, at the path given, else
// openapi.yaml in the working directory (npm runs scripts from the project's root, from src/ or dist/ alike).
const [path = 'openapi.yaml'] = process.argv.slice(2)
await writeFile(path, await generateOpenapiDocument())
