// Worker entry for the verifier pool: plain JS, so it loads without a TypeScript loader;
// it registers tsx for this thread, then runs the worker (verify-worker.ts).
import { register } from 'tsx/esm/api'

register()
await import('./verify-worker.ts')
