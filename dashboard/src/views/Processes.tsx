/**
 * The colony's processes, filtered by state, executor type and label, one page at a time
 * (colonynet's getprocesspagemsg: the node sorts and counts, the page holds PAGE_SIZE rows,
 * so 20,000 processes cost what 50 do), reloaded when the change stream says processes changed.
 */
import type { JSX } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import type { ProcessFilter } from '../api.js'
import { ErrorMessage, Loading, StateBadge, TableWrap } from '../components.js'
import { argsText, count, PROCESS_STATES, shortId, toMs, when } from '../format.js'
import { useApp, useLive } from '../live.js'
import { href, navigate, type Route } from '../router.js'
import { nameOf, useSiteNames } from './Sites.js'

export const PAGE_SIZE = 50

function filterOf (q: URLSearchParams): ProcessFilter {
  const state = Number(q.get('state') ?? '-1')
  return {
    state: Number.isInteger(state) && state >= -1 && state <= 4 ? state : -1,
    executortype: q.get('type') ?? '',
    label: q.get('label') ?? '',
    initiator: ''
  }
}

function Filters ({ f }: { f: ProcessFilter }): JSX.Element {
  const [type, setType] = useState(f.executortype)
  const [label, setLabel] = useState(f.label)
  useEffect(() => { setType(f.executortype); setLabel(f.label) }, [f.executortype, f.label])
  const go = (state: number, t: string, l: string): void => navigate('processes', { state: state === -1 ? undefined : state, type: t.trim(), label: l.trim() })
  return (
    <form class='filters' role='search' aria-label='Filter processes' onSubmit={e => { e.preventDefault(); go(f.state, type, label) }}>
      <label>State
        <select value={String(f.state)} onChange={e => go(Number((e.target as HTMLSelectElement).value), type, label)}>
          <option value='-1'>Any</option>
          {PROCESS_STATES.map((s, i) => <option key={s} value={String(i)}>{s[0]}{s.slice(1).toLowerCase()}</option>)}
        </select>
      </label>
      <label>Executor type
        <input type='text' value={type} onInput={e => setType((e.target as HTMLInputElement).value)} placeholder='any' />
      </label>
      <label>Label
        <input type='text' value={label} onInput={e => setLabel((e.target as HTMLInputElement).value)} placeholder='any' />
      </label>
      <button type='submit' class='button'>Filter</button>
    </form>
  )
}

function Pager ({ page, pages, f }: { page: number, pages: number, f: ProcessFilter }): JSX.Element {
  const link = (p: number): string => href('processes', { state: f.state === -1 ? undefined : f.state, type: f.executortype, label: f.label, page: p === 1 ? undefined : p })
  const item = (p: number, text: string, rel: string): JSX.Element =>
    p < 1 || p > pages || p === page
      ? <span class='button secondary disabled' aria-disabled='true'>{text}</span>
      : <a class='button secondary' href={link(p)} aria-label={rel}>{text}</a>
  return (
    <nav class='pager' aria-label='Pages'>
      {item(1, '« First', 'First page')}
      {item(page - 1, '‹ Previous', 'Previous page')}
      <span class='page-of' aria-current='page'>Page {count(page)} of {count(Math.max(1, pages))}</span>
      {item(page + 1, 'Next ›', 'Next page')}
      {item(pages, 'Last »', 'Last page')}
    </nav>
  )
}

/** The function's name and, beside it, its arguments (Preact escapes both). */
function FuncCell ({ name, args }: { name: string, args: { short: string, full: string } }): JSX.Element {
  return args.full === ''
    ? <>{name}</>
    : <>{name} <span class='args mono muted' title={args.full} data-testid='process-args'>{args.short}</span></>
}

export function Processes ({ route }: { route: Route }): JSX.Element {
  const { session } = useApp()
  const f = filterOf(route.query)
  const page = Math.max(1, Number.parseInt(route.query.get('page') ?? '1', 10) || 1)
  const names = useSiteNames()
  const list = useLive(async () => await session.api.processPage(f, (page - 1) * PAGE_SIZE, PAGE_SIZE),
    [f.state, f.executortype, f.label, page], { affects: fr => fr.processes.length > 0, minIntervalMs: 300 })
  const d = list.data
  const pages = d === undefined ? 1 : Math.ceil(d.total / PAGE_SIZE)
  return (
    <div>
      <h1>Processes</h1>
      <Filters f={f} />
      <ErrorMessage error={list.error} />
      {d === undefined
        ? list.error === undefined && <Loading what='processes' />
        : (
          <>
            <p class='muted' role='status' aria-live='polite' data-testid='process-total'>
              {d.total === 0 ? 'No processes match.' : `Showing ${count(d.offset + 1)}–${count(d.offset + d.processes.length)} of ${count(d.total)}`}
            </p>
            {d.processes.length > 0 && (
              <TableWrap label='Processes'>
                <table class='list' data-testid='process-table'>
                  <thead>
                    <tr><th scope='col'>Process</th><th scope='col'>Function</th><th scope='col'>Type</th><th scope='col'>State</th><th scope='col'>Site</th><th scope='col'>Submitted</th><th scope='col'>Ended</th><th scope='col'>Label</th></tr>
                  </thead>
                  <tbody>
                    {d.processes.map(p => (
                      <tr key={p.processid} data-processid={p.processid}>
                        <td><a class='mono' href={href(`process/${p.processid}`)}>{shortId(p.processid)}</a></td>
                        <td><FuncCell name={p.spec.funcname} args={argsText(p.spec.args, p.spec.kwargs)} /></td>
                        <td>{p.spec.conditions.executortype}</td>
                        <td><StateBadge state={p.state} /></td>
                        <td>{nameOf(names, p.site)}</td>
                        <td>{when(p.submissiontime)}</td>
                        <td>{toMs(p.endtime) > 0 ? when(p.endtime) : '—'}</td>
                        <td>{p.spec.label ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
            {pages > 1 && <Pager page={page} pages={pages} f={f} />}
          </>
          )}
    </div>
  )
}
