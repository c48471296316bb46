/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against a
 * real node and a real executor: a wrong key is refused with a clear message; a submitted
 * process goes WAITING → RUNNING → SUCCESS on screen without a reload; its page shows the
 * log, the site and the executor; a workflow is drawn with each node's state; the colony
 * owner approves a pending executor; a spec is submitted from the form; the sites view shows
 * this node's figures. Screenshots go to
 * test-artifacts/dashboard/ (not committed). Skipped, saying why, without /usr/bin/chromium.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import type { Browser, Page } from 'playwright-core'
import * as assert from 'uvu/assert'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { Executor } from '../../src/client/executor.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { addExecutor, startColony, type TestColony } from '../helpers/colony-node.js'
import { browserSuite, launchChromium, WAIT_MS, watchedPage } from '../helpers/browser.js'
import { call } from '../helpers/raw-rpc.js'

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url))

await browserSuite('the dashboard in a real browser', suite)

async function suite (): Promise<void> {

  let tc: TestColony
  let browser: Browser
  let page: Page
  let executor: Executor | undefined
  let release: () => void = () => {}
  const gate = new Promise<void>(resolve => { release = resolve })
  /** what the page logged as errors: exceptions, content-policy violations (refused requests aside) */
  const pageErrors: string[] = []

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
  }
  const signIn = async (prv: string): Promise<void> => {
    await page.getByLabel('Colony').fill(tc.colony)
    await page.getByLabel('Private key').fill(prv)
    await page.getByRole('button', { name: 'Sign in' }).click()
  }

  test.before(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    tc = await startColony({ executors: 1 })
    browser = await launchChromium()
    page = await watchedPage(browser, `${tc.node.url}/`, pageErrors)
  })

  test.after(async () => {
    release()
    await executor?.stop({ graceMs: 1000 })
    await browser?.close()
    await tc?.stop()
  })

  test('a key that is not a member is refused with a clear message; a malformed one too', async () => {
    await signIn(generatePrivateKey())
    const err = page.getByTestId('signin-error')
    await err.waitFor()
    assert.match(await err.innerText(), /is not a member of colony "test"/)
    await shot('01-wrong-key')
    await signIn('not-a-key')
    await page.getByText('must be 64 hexadecimal characters').waitFor()
  })

  test('a member signs in; a submitted process goes WAITING → RUNNING → SUCCESS live, without a reload', async () => {
    await signIn(tc.user.prv)
    await page.getByRole('heading', { name: 'Colony test' }).waitFor()
    await page.getByTestId('live-status').filter({ hasText: 'Live' }).waitFor()
    await page.evaluate(() => { (window as unknown as { marker: number }).marker = 42 })
    await page.getByRole('link', { name: 'Processes' }).click()
    await page.getByRole('heading', { name: 'Processes' }).waitFor()

    const p = (await call(tc.node.url, {
      msgtype: 'submitfuncspecmsg',
      spec: { funcname: 'say', args: ['hello'], conditions: { colonyname: tc.colony, executortype: 'cli' } }
    }, tc.user.prv)).value
    const row = page.locator(`tr[data-processid="${p.processid as string}"]`)
    await row.locator('[data-state="WAITING"]').waitFor()
    await shot('02-waiting')

    const x = tc.executors[0]!
    executor = new Executor({
      client: new ColoniesClient({ url: tc.node.url, prvkey: x.prv }),
      colonyname: tc.colony,
      watchIntervalMs: 0,
      logFlushMs: 20,
      handler: async (proc, ctx) => {
        if (proc.spec.funcname === 'say') {
          ctx.log(`saying ${String(proc.spec.args?.[0])} from the executor`)
          await ctx.flushLogs()
          await gate
        }
        return { out: [`${proc.spec.funcname} done`] }
      }
    }).start()
    await row.locator('[data-state="RUNNING"]').waitFor()
    await shot('03-running')
    release()
    await row.locator('[data-state="SUCCESS"]').waitFor()
    // the site column names the site that ran it (this one has no name of its own)
    assert.is(await row.locator('td').nth(4).innerText(), 'this node')
    await shot('04-success')
    assert.is(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'the page was not reloaded')

    // the process: its log, and which site and executor ran the attempt
    await row.getByRole('link').click()
    await page.getByTestId('log').filter({ hasText: 'saying hello from the executor' }).waitFor()
    const history = page.getByTestId('history-table')
    await history.locator('tr', { hasText: 'RUNNING' }).filter({ hasText: 'x0' }).waitFor()
    assert.match(await page.getByTestId('output').innerText(), /say done/)
    await shot('05-process')
  })

  test('a workflow is drawn as a graph with each node\'s state', async () => {
    const g = (await call(tc.node.url, {
      msgtype: 'submitworkflowspecmsg',
      spec: {
        colonyname: tc.colony,
        functionspecs: [
          { nodename: 'fetch', funcname: 'fetch', conditions: { colonyname: tc.colony, executortype: 'cli' } },
          { nodename: 'left', funcname: 'left', conditions: { colonyname: tc.colony, executortype: 'cli', dependencies: ['fetch'] } },
          { nodename: 'right', funcname: 'right', conditions: { colonyname: tc.colony, executortype: 'cli', dependencies: ['fetch'] } },
          { nodename: 'join', funcname: 'join', conditions: { colonyname: tc.colony, executortype: 'cli', dependencies: ['left', 'right'] } }
        ]
      }
    }, tc.user.prv)).value
    await page.goto(`${tc.node.url}/#/workflow/${g.processgraphid as string}`)
    const graph = page.getByTestId('workflow-graph')
    await graph.waitFor()
    for (const name of ['fetch', 'left', 'right', 'join']) await graph.locator(`[data-node="${name}"][data-state="SUCCESS"]`).waitFor()
    assert.is(await graph.locator('path.edge').count(), 4)
    await shot('06-workflow')
  })

  test('the colony owner approves a pending executor', async () => {
    await addExecutor(tc.node.url, tc.colony, tc.owner, 'newcomer', 'cli', false)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await signIn(tc.owner.prv)
    await page.locator('header .who', { hasText: 'owner' }).waitFor()
    await page.getByRole('link', { name: 'Executors' }).click()
    const row = page.locator('tr[data-executor="newcomer"]')
    await row.getByText('PENDING').waitFor()
    await shot('07-pending-executor')
    await row.getByRole('button', { name: 'Approve newcomer' }).click()
    await row.getByText('APPROVED').waitFor()
    const xs = (await call(tc.node.url, { msgtype: 'getexecutorsmsg', colonyname: tc.colony }, tc.owner.prv)).value as Array<{ executorname: string, state: number }>
    assert.is(xs.find(x => x.executorname === 'newcomer')?.state, 1)
    await shot('08-approved-executor')
  })

  test('a function spec submitted from the form runs, and the sites view shows this node', async () => {
    // the owner is not a member (ColonyOS): members submit
    await page.getByRole('button', { name: 'Sign out' }).click()
    await signIn(tc.user.prv)
    await page.locator('header .who', { hasText: 'member' }).waitFor()
    await page.getByRole('link', { name: 'Submit' }).click()
    await page.getByLabel('Function name (required)').fill('from-the-form')
    await page.getByLabel('Executor type (required)').fill('cli')
    await page.getByRole('button', { name: 'Submit', exact: true }).click()
    await page.getByRole('heading', { name: /from-the-form/ }).locator('[data-state="SUCCESS"]').waitFor()
    await page.getByRole('link', { name: 'Sites' }).click()
    await page.getByTestId('site-table').getByText('this node').waitFor()
    // this node's own figures, from its /health
    const figures = page.getByTestId('node-health')
    await figures.getByText(/^\d+ process(es)? \(live work/).waitFor()
    assert.match(await figures.innerText(), /Heap\s+\d.* of \d.* \(\d+ %\)/)
    assert.match(await figures.innerText(), /Retention\s+off/)
    await shot('09-sites')
  })

  test('the list is paged: 50 rows a page, the total, and pages to step through', async () => {
    // executor type "gpu": nobody runs them, so they stay waiting
    for (let i = 0; i < 120; i++) {
      await call(tc.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: `queued${i}`, label: 'paged', conditions: { colonyname: tc.colony, executortype: 'gpu' } } }, tc.user.prv)
    }
    await page.goto(`${tc.node.url}/#/processes?state=0&type=gpu`)
    await page.getByTestId('process-total').filter({ hasText: 'Showing 1–50 of 120' }).waitFor()
    assert.is(await page.getByTestId('process-table').locator('tbody tr').count(), 50)
    // waiting processes are listed in the order they will run: the first submitted first
    assert.is(await page.getByTestId('process-table').locator('tbody tr').first().locator('td').nth(1).innerText(), 'queued0')
    await page.getByRole('link', { name: 'Next page' }).click()
    await page.getByTestId('process-total').filter({ hasText: 'Showing 51–100 of 120' }).waitFor()
    await page.getByRole('link', { name: 'Last page' }).click()
    await page.getByTestId('process-total').filter({ hasText: 'Showing 101–120 of 120' }).waitFor()
    await shot('10-paged')
    await page.getByRole('link', { name: 'Overview' }).click()
    await page.getByTestId('count-waiting').filter({ hasText: '120' }).waitFor()
    await page.locator('figure.chart').waitFor()
    assert.match(await page.locator('figure.chart figcaption').innerText(), /submitted/)
    await shot('11-overview')
  })

  test('a narrow window keeps every view usable', async () => {
    await page.setViewportSize({ width: 380, height: 800 })
    await page.getByRole('link', { name: 'Processes' }).click()
    await page.getByTestId('process-table').waitFor()
    // the table scrolls inside its region; the page itself does not scroll sideways
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the window`)
    await shot('12-narrow')
  })

  test('the page logged no errors: no exceptions, nothing refused by its content policy', () => {
    assert.equal(pageErrors, [])
  })

  test.run()
}
