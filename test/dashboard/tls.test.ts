/**
 * The dashboard from a node serving HTTPS and WSS: chromium (trusting only the test's
 * certificate, by its key's SPKI hash) signs in, the live stream connects over wss:// and
 * a submitted process goes WAITING → SUCCESS on screen without a reload. Skipped, saying
 * why, without chromium or openssl.
 */
import { createHash, createPublicKey } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import type { Browser } from 'playwright-core'
import * as assert from 'uvu/assert'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { ColonyNode } from '../../src/node/index.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { browserSuite, launchChromium, WAIT_MS } from '../helpers/browser.js'
import { makeCert, noOpenssl } from '../helpers/tls-cert.js'

if (noOpenssl !== undefined) {
  console.log(noOpenssl)
  test.skip('the dashboard over HTTPS and WSS', () => {})
  test.run()
} else {
  await browserSuite('the dashboard over HTTPS and WSS', suite)
}

async function suite (): Promise<void> {
  let dir: string
  let node: ColonyNode
  let browser: Browser
  const operator = generatePrivateKey()
  const owner = generatePrivateKey()
  const user = generatePrivateKey()
  const executor = generatePrivateKey()
  let ca: string

  test.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'colonynet-tls-dash-'))
    const cert = await makeCert(dir)
    ca = cert.cert
    node = await ColonyNode.start({ dataDir: join(dir, 'data'), port: 0, operatorPrvkey: operator, tls: { cert: cert.cert, key: cert.key } })
    const op = new ColoniesClient({ url: node.url, prvkey: operator, ca })
    await op.addColony('test', idFromPrivateKey(owner))
    const own = op.withKey(owner)
    await own.addUser({ colonyname: 'test', userid: idFromPrivateKey(user), name: 'user' })
    await own.addExecutor({ colonyname: 'test', executorid: idFromPrivateKey(executor), executorname: 'x0', executortype: 'cli' })
    await own.approveExecutor('test', 'x0')
    // chromium trusts this one key and nothing else it would otherwise refuse
    const spki = createHash('sha256').update(createPublicKey(cert.cert).export({ type: 'spki', format: 'der' })).digest('base64')
    browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spki}`])
  })

  test.after(async () => {
    await browser?.close()
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  test('sign in over https://, the live stream over wss://, a process shown live to SUCCESS', async () => {
    assert.match(node.url, /^https:/)
    const page = await browser.newPage({ viewport: { width: 1200, height: 850 } })
    page.setDefaultTimeout(WAIT_MS)
    const sockets: string[] = []
    page.on('websocket', ws => sockets.push(ws.url()))
    await page.goto(`${node.url}/`)
    await page.getByLabel('Colony').fill('test')
    await page.getByLabel('Private key').fill(user)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Colony test' }).waitFor()
    await page.getByTestId('live-status').filter({ hasText: 'Live' }).waitFor()
    assert.ok(sockets.some(u => u.startsWith(`wss://127.0.0.1:${node.port}/pubsub`)), `websockets: ${sockets.join(', ')}`)
    await page.getByRole('link', { name: 'Processes' }).click()
    await page.getByRole('heading', { name: 'Processes' }).waitFor()

    const u = new ColoniesClient({ url: node.url, prvkey: user, ca })
    const p = await u.submitFunctionSpec({ funcname: 'say', args: ['hi'], conditions: { colonyname: 'test', executortype: 'cli' } })
    const row = page.locator(`tr[data-processid="${p.processid}"]`)
    await row.locator('[data-state="WAITING"]').waitFor()
    const x = u.withKey(executor)
    const got = await x.assign('test', 5)
    await x.closeSuccessful(got.processid, ['said'])
    await row.locator('[data-state="SUCCESS"]').waitFor()
  })

  test.run()
}
