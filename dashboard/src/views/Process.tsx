/**
 * One process: what it is, every state change with the site and executor of each
 * attempt (colonynet's getprocesshistorymsg), attributes, input and output, errors and a
 * live tail of its log; cancel and remove where ColonyOS allows them.
 */
import type { JSX } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import type { Log, Process as Proc, ProcessHistory } from '../api.js'
import { ActionButton, ErrorMessage, Loading, StateBadge, TableWrap } from '../components.js'
import { json, shortId, when } from '../format.js'
import { useApp, useLive } from '../live.js'
import { href, navigate } from '../router.js'
import { nameOf, useSiteNames } from './Sites.js'

const LOG_TAIL = 500
const ATTRIBUTE_TYPES = ['in', 'out', 'err', 'env']

function Summary ({ p }: { p: Proc }): JSX.Element {
  const rows: Array<[string, JSX.Element | string]> = [
    ['Process id', <span class='mono' key='id'>{p.processid}</span>],
    ['Function', p.spec.funcname],
    ['Executor type', p.spec.conditions.executortype],
    ['Submitted by', p.initiatorname === '' ? shortId(p.initiatorid) : p.initiatorname],
    ['Assigned executor', p.assignedexecutorid === '' ? '—' : <span class='mono' key='x'>{shortId(p.assignedexecutorid)}</span>],
    ['Submitted', when(p.submissiontime)],
    ['Started', when(p.starttime)],
    ['Ended', when(p.endtime)],
    ['Wait deadline', when(p.waitdeadline)],
    ['Execution deadline', when(p.execdeadline)],
    ['Retries', `${p.retries}${p.spec.maxretries !== 0 ? ` of ${p.spec.maxretries === -1 ? 'unlimited' : p.spec.maxretries}` : ''}`],
    ['Priority', String(p.spec.priority)]
  ]
  if (p.spec.label !== undefined && p.spec.label !== '') rows.push(['Label', p.spec.label])
  if (p.processgraphid !== '') rows.push(['Workflow', <a key='wf' class='mono' href={href(`workflow/${p.processgraphid}`)}>{shortId(p.processgraphid)}</a>])
  return (
    <dl class='fields'>
      {rows.map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
    </dl>
  )
}

function History ({ h }: { h: ProcessHistory }): JSX.Element {
  const names = useSiteNames()
  return (
    <TableWrap label='State history'>
      <table class='list' data-testid='history-table'>
        <thead><tr><th scope='col'>When</th><th scope='col'>State</th><th scope='col'>Attempt</th><th scope='col'>Site</th><th scope='col'>Executor</th></tr></thead>
        <tbody>
          {h.steps.map((s, i) => (
            <tr key={`${i}-${s.record}`}>
              <td>{when(s.at)}</td>
              <td><StateBadge state={s.state} /></td>
              <td>{s.attempt}</td>
              <td>{s.sitename !== '' ? s.sitename : nameOf(names, s.site)}{i === 0 && s.site !== '' && <span class='muted'> (submitted here)</span>}</td>
              <td>{s.executorid === '' ? '—' : s.executorname !== '' ? s.executorname : <span class='mono'>{shortId(s.executorid)}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  )
}

function LogTail ({ logs }: { logs: Log[] }): JSX.Element {
  const ref = useRef<HTMLPreElement>(null)
  const text = logs.map(l => l.message.endsWith('\n') ? l.message : `${l.message}\n`).join('')
  useEffect(() => {
    const el = ref.current
    if (el !== null) el.scrollTop = el.scrollHeight
  }, [text])
  if (logs.length === 0) return <p class='muted' data-testid='log-empty'>Nothing logged yet.</p>
  return <pre class='log' ref={ref} tabIndex={0} aria-label='Log' aria-live='polite' data-testid='log'>{text}</pre>
}

export function Process ({ id }: { id: string }): JSX.Element {
  const { session } = useApp()
  const mine = { affects: (f: { processes: Array<{ processid: string }> }) => f.processes.some(p => p.processid === id), minIntervalMs: 200 }
  const proc = useLive(async () => await session.api.process(id), [id], mine)
  const hist = useLive(async () => await session.api.history(id), [id], mine)
  const logs = useLive(async () => await session.api.logs(id, LOG_TAIL), [id], mine)
  const p = proc.data
  const gone = proc.error !== undefined && p === undefined && /does not exist/.test(proc.error)
  if (gone) {
    return (
      <div>
        <h1>Process {shortId(id)}</h1>
        <p role='alert'>This process does not exist (it may have been removed). <a href={href('processes')}>Back to the processes</a></p>
      </div>
    )
  }
  return (
    <div>
      <h1>Process {p === undefined ? shortId(id) : p.spec.funcname} {p !== undefined && <StateBadge state={p.state} />}</h1>
      <ErrorMessage error={proc.error} />
      {p === undefined
        ? proc.error === undefined && <Loading what='the process' />
        : (
          <>
            <div class='actions' role='group' aria-label='Actions'>
              {(p.state === 0 || p.state === 1) && (
                <ActionButton label='Cancel process' confirm='Cancel this process?' danger action={async () => await session.api.cancelProcess(id)} onDone={proc.reload} />
              )}
              {p.state !== 1 && (
                <ActionButton label='Remove process' confirm='Remove this process for good?' danger
                  action={async () => await session.api.removeProcess(id)} onDone={() => navigate('processes')}
                />
              )}
            </div>
            <Summary p={p} />
            <section aria-labelledby='h-hist'>
              <h2 id='h-hist'>State history</h2>
              <ErrorMessage error={hist.error} />
              {hist.data !== undefined && <History h={hist.data} />}
            </section>
            <section aria-labelledby='h-log'>
              <h2 id='h-log'>Log <span class='muted small'>(last {LOG_TAIL} entries, live)</span></h2>
              <ErrorMessage error={logs.error} />
              {logs.data === undefined ? logs.error === undefined && <Loading what='the log' /> : <LogTail logs={logs.data} />}
            </section>
            {p.errors.length > 0 && (
              <section aria-labelledby='h-err'>
                <h2 id='h-err'>Errors</h2>
                <ul class='errors'>{p.errors.map((e, i) => <li key={i}>{e}</li>)}</ul>
              </section>
            )}
            <section aria-labelledby='h-io'>
              <h2 id='h-io'>Input and output</h2>
              <div class='two'>
                <div><h3>In</h3><pre class='json' data-testid='input'>{json(p.in)}</pre></div>
                <div><h3>Out</h3><pre class='json' data-testid='output'>{json(p.out)}</pre></div>
              </div>
            </section>
            {p.attributes.length > 0 && (
              <section aria-labelledby='h-attr'>
                <h2 id='h-attr'>Attributes</h2>
                <TableWrap label='Attributes'>
                  <table class='list'>
                    <thead><tr><th scope='col'>Type</th><th scope='col'>Key</th><th scope='col'>Value</th></tr></thead>
                    <tbody>{p.attributes.map(a => <tr key={a.attributeid}><td>{ATTRIBUTE_TYPES[a.attributetype] ?? a.attributetype}</td><td>{a.key}</td><td class='wrap'>{a.value}</td></tr>)}</tbody>
                  </table>
                </TableWrap>
              </section>
            )}
            <section aria-labelledby='h-spec'>
              <h2 id='h-spec'>Function spec</h2>
              <pre class='json'>{json(p.spec)}</pre>
            </section>
          </>
          )}
    </div>
  )
}
