/**
 * A chaos-suite helper started in a site's namespace before that site is cut off: it
 * resumes assignments in the colony at its site's node when told (a line on stdin), since
 * the driver cannot reach a cut-off site itself. Prints "ready" once loaded, "ok" once done.
 * Usage: cue.ts URL PRVKEY COLONY
 */
import { createInterface } from 'node:readline'
import { ColoniesClient } from '../src/client/rpc-client.js'

const [url, prvkey, colonyname] = process.argv.slice(2) as [string, string, string]
const client = new ColoniesClient({ url, prvkey, timeoutMs: 5000 })
const lines = createInterface({ input: process.stdin })
process.stdout.write('ready\n')
for await (const _ of lines) {
  await client.resumeAssignments(colonyname)
  process.stdout.write('ok\n')
  process.exit(0)
}
