/**
 * The dashboard's browser suites: Debian's chromium driven by playwright-core against the
 * built dashboard. `browserSuite` runs the suite when both are here, and otherwise registers
 * one skipped test saying why (the summary counts it).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import { DASHBOARD_DIST } from '../../src/node/dashboard-assets.js'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** every wait in the page has a deadline; none sleeps a fixed time */
export const WAIT_MS = 15_000

export async function browserSuite (name: string, suite: () => Promise<void>): Promise<void> {
  const why = !existsSync(CHROMIUM)
    ? `${CHROMIUM} is not installed (apt-get install -y --no-install-recommends chromium; .ci/run does it)`
    : !existsSync(join(DASHBOARD_DIST, 'app.js'))
        ? 'the dashboard is not built (npm run build:dashboard)'
        : undefined
  if (why !== undefined) {
    console.log(`\n  browser tests skipped: ${why}`)
    test.skip(name, () => {})
    test.run()
    return
  }
  await suite()
}
