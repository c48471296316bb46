/**
 * The dashboard's browser suites: Debian's chromium driven by playwright-core against the
 * built dashboard. `browserSuite` runs the suite when both are here, and otherwise registers
 * one skipped test saying why (the summary counts it).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import type { Browser, Page } from 'playwright-core'
import { DASHBOARD_DIST } from '../../src/node/dashboard-assets.js'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** every wait in the page has a deadline; none sleeps a fixed time */
export const WAIT_MS = 15_000

/** Debian's chromium, headless; root in a container needs --no-sandbox, the rest keeps it off the (closed) network. */
export async function launchChromium (extraArgs: readonly string[] = []): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs]
  })
}

/**
 * A fresh page at `url` (a new profile: nothing remembered) whose exceptions and console
 * errors (refused requests aside) are pushed to `errors`.
 */
export async function watchedPage (browser: Browser, url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 850 } })
  page.setDefaultTimeout(WAIT_MS)
  page.on('pageerror', err => errors.push(err.message))
  page.on('console', m => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text()) })
  await page.goto(url)
  return page
}

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
