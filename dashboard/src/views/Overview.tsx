/** The colony at a glance: processes and workflows by state, executors, and throughput over the last minutes. */
import type { JSX } from 'preact'
import type { Statistics, Throughput } from '../api.js'
import { ErrorMessage, Loading } from '../components.js'
import { count } from '../format.js'
import { useApp, useLive } from '../live.js'
import { href } from '../router.js'

const WINDOW_S = 600
const BUCKET_S = 10

function Cards ({ s }: { s: Statistics }): JSX.Element {
  const procs: Array<[string, number, number]> = [
    ['Waiting', s.waitingprocesses, 0], ['Running', s.runningprocesses, 1], ['Successful', s.successfulprocesses, 2],
    ['Failed', s.failedprocesses, 3], ['Cancelled', s.cancelledprocesses, 4]
  ]
  const flows: Array<[string, number]> = [
    ['Waiting', s.waitingworkflows], ['Running', s.runningworkflows], ['Successful', s.successfulworkflows],
    ['Failed', s.failedworkflows], ['Cancelled', s.cancelledworkflows]
  ]
  return (
    <>
      <section aria-labelledby='h-procs'>
        <h2 id='h-procs'>Processes</h2>
        <ul class='cards'>
          {procs.map(([label, n, state]) => (
            <li key={label} class={`card state-card-${state}`}>
              <a href={href('processes', { state })}><span class='card-n' data-testid={`count-${label.toLowerCase()}`}>{count(n)}</span> <span class='card-label'>{label}</span></a>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby='h-flows'>
        <h2 id='h-flows'>Workflows</h2>
        <ul class='cards'>
          {flows.map(([label, n], state) => (
            <li key={label} class={`card state-card-${state}`}>
              <a href={href('workflows', { state })}><span class='card-n'>{count(n)}</span> <span class='card-label'>{label}</span></a>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby='h-execs'>
        <h2 id='h-execs'>Executors</h2>
        <ul class='cards'>
          <li class='card'><a href={href('executors')}><span class='card-n'>{count(s.executors)}</span> <span class='card-label'>registered</span></a></li>
          <li class='card'><a href={href('executors')}><span class='card-n'>{count(s.activeexecutors)}</span> <span class='card-label'>approved</span></a></li>
        </ul>
      </section>
    </>
  )
}

/** Stacked bars per interval (succeeded, failed, cancelled) with the submissions as a line. */
export function ThroughputChart ({ t }: { t: Throughput }): JSX.Element {
  const W = 800
  const H = 180
  const pad = { l: 36, r: 8, t: 8, b: 22 }
  const n = t.buckets.length
  const ended = t.buckets.map(b => b.succeeded + b.failed + b.cancelled)
  const max = Math.max(1, ...ended, ...t.buckets.map(b => b.submitted))
  const bw = (W - pad.l - pad.r) / Math.max(1, n)
  const y = (v: number): number => pad.t + (H - pad.t - pad.b) * (1 - v / max)
  const totalDone = ended.reduce((a, b) => a + b, 0)
  const totalFailed = t.buckets.reduce((a, b) => a + b.failed, 0)
  const totalSubmitted = t.buckets.reduce((a, b) => a + b.submitted, 0)
  const rate = totalDone / (n * t.bucket)
  const line = t.buckets.map((b, i) => `${(pad.l + i * bw + bw / 2).toFixed(1)},${y(b.submitted).toFixed(1)}`).join(' ')
  const summary = `Over the last ${Math.round((n * t.bucket) / 60)} minutes: ${count(totalSubmitted)} submitted, ${count(totalDone)} finished (${count(totalFailed)} failed), ${rate.toFixed(2)} per second on average.`
  return (
    <figure class='chart'>
      <svg viewBox={`0 0 ${W} ${H}`} role='img' aria-label={summary}>
        <line x1={pad.l} x2={W - pad.r} y1={y(0)} y2={y(0)} class='axis' />
        <text x={pad.l - 4} y={y(max) + 4} class='tick' text-anchor='end'>{max}</text>
        <text x={pad.l - 4} y={y(0)} class='tick' text-anchor='end'>0</text>
        {t.buckets.map((b, i) => {
          const x = pad.l + i * bw + 1
          const w = Math.max(1, bw - 2)
          let top = y(0)
          const segs: Array<[number, string]> = [[b.succeeded, 'bar-success'], [b.failed, 'bar-failed'], [b.cancelled, 'bar-cancelled']]
          return (
            <g key={b.t}>
              {segs.map(([v, cls]) => {
                if (v === 0) return null
                const h = y(0) - y(v)
                top -= h
                return <rect key={cls} x={x} y={top} width={w} height={h} class={cls} />
              })}
            </g>
          )
        })}
        <polyline points={line} class='line-submitted' fill='none' />
        <text x={pad.l} y={H - 6} class='tick'>−{Math.round((n * t.bucket) / 60)} min</text>
        <text x={W - pad.r} y={H - 6} class='tick' text-anchor='end'>now</text>
      </svg>
      <figcaption>
        {summary}{' '}
        <span class='legend'><span class='swatch bar-success' /> succeeded <span class='swatch bar-failed' /> failed <span class='swatch bar-cancelled' /> cancelled <span class='swatch line-submitted' /> submitted, per {t.bucket} s</span>
      </figcaption>
    </figure>
  )
}

export function Overview (): JSX.Element {
  const { session } = useApp()
  const stats = useLive(async () => await session.api.stats(), [], { minIntervalMs: 500 })
  const tp = useLive(async () => await session.api.throughput(WINDOW_S, BUCKET_S), [], { minIntervalMs: 1000 })
  return (
    <div>
      <h1>Colony {session.colony}</h1>
      <ErrorMessage error={stats.error} />
      {stats.data === undefined ? (stats.error === undefined && <Loading what='statistics' />) : <Cards s={stats.data} />}
      <section aria-labelledby='h-tp'>
        <h2 id='h-tp'>Throughput</h2>
        <ErrorMessage error={tp.error} />
        {tp.data === undefined ? (tp.error === undefined && <Loading what='throughput' />) : <ThroughputChart t={tp.data} />}
      </section>
    </div>
  )
}
