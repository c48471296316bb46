/**
 * The dashboard as a newcomer first meets it, in a real browser (Debian's chromium driven by
 * playwright-core) against a lone node with one executor: the sign-in names the node's only
 * colony; the Workflows view opens on every state with counts per state (not on an empty
 * "Running"); the process list shows each process's arguments beside its function; the
 * Sites view shows the executor asking this node for work. Skipped, saying why, without
 * /usr/bin/chromium or a built dashboard.
 */
import { test } from 'uvu'
import type { Browser, Page } from 'playwright-core'
import * as assert from 'uvu/assert'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { Executor } from '../../src/client/executor.js'
import { eventually, startColony, type TestColony } from '../helpers/colony-node.js'
import { browserSuite, launchChromium, WAIT_MS, watchedPage } from '../helpers/browser.js'
import { call } from '../helpers/raw-rpc.js'

await browserSuite('the dashboard as a newcomer meets it', suite)

async function suite (): Promise<void> {

  let tc: TestColony
  let browser: Browser
  let page: Page
  let executor: Executor | undefined
  let workflowid = ''
  const pageErrors: string[] = []

  test.before(async () => {
    tc = await startColony({ executors: 1 })
    const x = tc.executors[0]!
    executor = new Executor({
      client: new ColoniesClient({ url: tc.node.url, prvkey: x.prv }),
      colonyname: tc.colony,
      watchIntervalMs: 0,
      handler: async proc => ({ out: [`${proc.spec.funcname} done`] })
    }).start()
    // a workflow that runs to its end: no workflow is left running
    const g = (await call(tc.node.url, {
      msgtype: 'submitworkflowspecmsg',
      spec: {
        colonyname: tc.colony,
        functionspecs: [
          { nodename: 'first', funcname: 'first', conditions: { colonyname: tc.colony, executortype: 'cli' } },
          { nodename: 'second', funcname: 'second', conditions: { colonyname: tc.colony, executortype: 'cli', dependencies: ['first'] } }
        ]
      }
    }, tc.user.prv)).value
    workflowid = g.processgraphid as string
    await eventually(async () => {
      const r = await call(tc.node.url, { msgtype: 'getprocessgraphmsg', processgraphid: workflowid }, tc.user.prv)
      return r.value?.state === 2 ? true : undefined
    }, 'the workflow to succeed', WAIT_MS)
    browser = await launchChromium()
    page = await watchedPage(browser, `${tc.node.url}/`, pageErrors)
  })

  test.after(async () => {
    await executor?.stop({ graceMs: 1000 })
    await browser?.close()
    await tc?.stop()
  })

  test('the sign-in names the node\'s only colony; the key alone signs in', async () => {
    const colony = page.getByLabel('Colony')
    await eventually(async () => await colony.inputValue() === tc.colony ? true : undefined, 'the colony to be filled in', WAIT_MS)
    await page.getByLabel('Private key').fill(tc.user.prv)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Colony test' }).waitFor()
  })

  test('the Workflows view opens on every state and counts each', async () => {
    await page.getByRole('link', { name: 'Workflows' }).click()
    const table = page.getByTestId('workflow-table')
    await table.locator(`a[href$="${workflowid}"]`).waitFor()
    await table.locator('[data-state="SUCCESS"]').waitFor()
    await page.getByTestId('workflow-counts').filter({ hasText: '0 running' }).filter({ hasText: '1 success' }).waitFor()
    assert.is(await page.getByText('No running workflows').count(), 0)
    // one state still narrows the list
    await page.getByLabel('State').selectOption('1')
    await page.getByText('No running workflows.').waitFor()
  })

  test('the process list shows the arguments beside the function name', async () => {
    const p = (await call(tc.node.url, {
      msgtype: 'submitfuncspecmsg',
      spec: { funcname: 'greet', args: ['hello', 3], kwargs: { loud: true }, conditions: { colonyname: tc.colony, executortype: 'cli' } }
    }, tc.user.prv)).value
    await page.getByRole('link', { name: 'Processes' }).click()
    const row = page.locator(`tr[data-processid="${p.processid as string}"]`)
    await row.waitFor()
    assert.is(await row.getByTestId('process-args').innerText(), '"hello" 3 loud=true')
    assert.match(await row.locator('td').nth(1).innerText(), /^greet\s+"hello" 3 loud=true$/)
  })

  test('the Sites view shows the executor asking this lone node for work', async () => {
    await page.getByRole('link', { name: 'Sites' }).click()
    const row = page.getByTestId('site-table').locator('tbody tr').first()
    await row.locator('td', { hasText: /^1 cli$/ }).waitFor()
  })

  test('the page logged no errors', () => {
    assert.equal(pageErrors, [])
  })

  test.run()
}
