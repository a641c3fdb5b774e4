import { writeFile } from 'node:fs/promises'
import { generateOpenapiDocument } from './document.js'

// npm run openapi: the contract at the project root, regenerated from the routes' schemas.
await writeFile(new URL('../openapi.yaml', import.meta.url), await generateOpenapiDocument())
