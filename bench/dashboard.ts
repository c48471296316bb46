/**
 * The dashboard at 200 and 20,000 processes (issue 7): time to first render of the
 * processes view, from navigation to the first row of the first page on screen (measured
 * in the page by a MutationObserver, so the driver's polling is not counted), signed in,
 * in Debian's chromium; and the node's answer time for one page (getprocesspagemsg sorts
 * and counts every match on each request). The ledger is preloaded by ingesting signed
 * batches as a sync would (bench/ingest.ts's way): 70 % of the processes succeeded, the
 * rest wait. Needs /usr/bin/chromium and a built dashboard.
 * Usage: node --import tsx bench/dashboard.ts [--quick]
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import { installCryptoBackend } from '../src/crypto/index.js'
import { DASHBOARD_DIST } from '../src/node/dashboard-assets.js'
import { loadIdentity } from '../src/node/identity.js'
import { ColonyNode } from '../src/node/index.js'
import { signEnvelope } from '../src/protocol/envelope.js'
import { type Batch, type LedgerRecord, recordId, signBatch } from '../src/protocol/records.js'
import { Ledger } from '../src/store/ledger.js'
import { call } from '../test/helpers/raw-rpc.js'
import { World } from '../test/helpers/world.js'

// signs and verifies here, without a node to pick the backend
installCryptoBackend()

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const BATCH = 100
const RUNS = 5

/** A data dir whose ledger holds colony "bench" with `n` processes (70 % succeeded, 30 % waiting); returns the user's key. */
async function preload (dir: string, n: number): Promise<{ user: string, ingestSeconds: number }> {
  const identity = await loadIdentity(dir, {})
  const ledger = await Ledger.open({ dir: join(dir, 'ledger'), nodeKey: identity.nodeKey })
  const w = new World('bench')
  const origin = w.node
  // clocks end about now, so the views' times and the throughput window look like a live colony
  let t = Date.now() - n * 3 - 1000
  const rec = (b: LedgerRecord['b']): LedgerRecord => ({ o: origin.id, t: { w: ++t, l: 0 }, b })
  const recs: LedgerRecord[] = w.setup().map(e => ({ ...e.record, t: { w: ++t, l: 0 } }))
  const user = w.user('u1')
  const executor = w.exec('e1')
  for (let i = 0; i < n; i++) {
    const submit = rec({ k: 'env', env: signEnvelope({ msgtype: 'submitfuncspecmsg', spec: { funcname: `job${i % 7}`, label: i % 2 === 0 ? 'even' : 'odd', conditions: { colonyname: w.colony, executortype: 'cli' } } }, user.prv) })
    recs.push(submit)
    if (i % 10 < 7) {
      const processid = recordId(submit)
      recs.push(rec({ k: 'claim', processid, attempt: 1, executorid: executor.id }),
        rec({ k: 'env', env: signEnvelope({ msgtype: 'closesuccessfulmsg', processid, out: [i] }, executor.prv) }))
    }
  }
  const batches: Batch[] = []
  for (let i = 0; i < recs.length; i += BATCH) batches.push(signBatch(origin.id, batches.length + 1, recs.slice(i, i + BATCH), origin.prv))
  const t0 = performance.now()
  for (let i = 0; i < batches.length; i += 20) await ledger.ingest(batches.slice(i, i + 20))
  const ingestSeconds = (performance.now() - t0) / 1000
  const size = ledger.fold.size
  await ledger.close()
  if (size !== recs.length) throw new Error(`the ledger took ${size} of ${recs.length} records`)
  return { user: user.prv, ingestSeconds }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

async function measure (n: number): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-dash-bench-'))
  const { user, ingestSeconds } = await preload(dir, n)
  const node = await ColonyNode.start({ dataDir: dir, port: 0 })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  try {
    // the node alone: one page of the listing, every state (the view's default)
    const rpc: number[] = []
    for (let i = 0; i <= RUNS * 2; i++) {
      const t0 = performance.now()
      const r = await call(node.url, { msgtype: 'getprocesspagemsg', colonyname: 'bench', state: -1, offset: 0, count: 50 }, user)
      if (i > 0) rpc.push(performance.now() - t0)
      if (r.status !== 200 || r.value.total !== n) throw new Error(`listing failed: ${JSON.stringify(r.value).slice(0, 200)}`)
    }
    const cold: number[] = []
    const filter: number[] = []
    // one more run than counted: the first warms the browser's caches and the node's JIT
    for (let i = 0; i <= RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
      const page = await context.newPage()
      // signed in already (the key in this tab's sessionStorage, as after a sign-in), and a
      // stopwatch in the page: navigation start → the first row of the table is in the DOM
      await page.addInitScript(([key]) => {
        sessionStorage.setItem('colonynet.session', JSON.stringify({ prvkey: key, colony: 'bench' }))
        const w = window as unknown as { firstRow?: number }
        new MutationObserver((_m, obs) => {
          if (document.querySelector('[data-testid=process-table] tbody tr') !== null) {
            w.firstRow = performance.now()
            obs.disconnect()
          }
        }).observe(document, { childList: true, subtree: true })
      }, [user])
      await page.goto(`${node.url}/#/processes`)
      await page.waitForFunction(() => (window as unknown as { firstRow?: number }).firstRow !== undefined, undefined, { timeout: 30_000 })
      const firstRow = await page.evaluate(() => (window as unknown as { firstRow: number }).firstRow)
      const total = await page.getByTestId('process-total').innerText()
      if (!total.includes(n.toLocaleString('en-US'))) throw new Error(`the page shows "${total}", not ${n} processes`)
      // a filter change inside the page: only successful ones, page 1
      const t0 = await page.evaluate(() => {
        const w = window as unknown as { filtered?: number }
        delete w.filtered
        new MutationObserver((_m, obs) => {
          if (document.querySelector('[data-testid=process-table] [data-state=SUCCESS]') !== null && document.querySelector('[data-testid=process-table] [data-state=WAITING]') === null) {
            w.filtered = performance.now()
            obs.disconnect()
          }
        }).observe(document, { childList: true, subtree: true, attributes: true })
        location.hash = '#/processes?state=2'
        return performance.now()
      })
      await page.waitForFunction(() => (window as unknown as { filtered?: number }).filtered !== undefined, undefined, { timeout: 30_000 })
      const filtered = await page.evaluate(() => (window as unknown as { filtered: number }).filtered) - t0
      await context.close()
      if (i === 0) continue
      cold.push(firstRow)
      filter.push(filtered)
    }
    return {
      processes: n,
      'preload ingest s': Number(ingestSeconds.toFixed(1)),
      'getprocesspagemsg ms (p50)': Number(median(rpc).toFixed(1)),
      'first render ms (p50, cold page load)': Math.round(median(cold)),
      'first render ms (max)': Math.round(Math.max(...cold)),
      'filter change → rows ms (p50)': Math.round(median(filter))
    }
  } finally {
    await browser.close()
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

export async function benchDashboard (opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is not installed: apt-get install -y --no-install-recommends chromium`)
  if (!existsSync(join(DASHBOARD_DIST, 'app.js'))) throw new Error('the dashboard is not built: npm run build:dashboard')
  const out: Record<string, number> = {}
  for (const n of opts.quick === true ? [200, 2_000] : [200, 20_000]) {
    const r = await measure(n)
    console.log(`  ${n} processes: first render ${r['first render ms (p50, cold page load)']} ms (p50 of ${RUNS}), one page from the node ${r['getprocesspagemsg ms (p50)']} ms, filter change ${r['filter change → rows ms (p50)']} ms`)
    for (const [k, v] of Object.entries(r)) if (k !== 'processes') out[`${k} @${n}`] = v
  }
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await benchDashboard({ quick: process.argv.includes('--quick') }))
}
