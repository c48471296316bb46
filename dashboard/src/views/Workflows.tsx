/**
 * Workflows: a list by state, and one workflow drawn as a graph (the node lays it out:
 * getprocessgraphmsg's `nodes` and `edges`, as ColonyOS's dashboard draws them) with each
 * node's state, redrawn when one of its processes changes.
 */
import type { JSX } from 'preact'
import { useMemo, useRef } from 'preact/hooks'
import type { Api, ProcessGraph } from '../api.js'
import { ActionButton, ErrorMessage, Loading, StateBadge, TableWrap } from '../components.js'
import { count, PROCESS_STATES, processState, shortId, toMs, when } from '../format.js'
import { useApp, useLive } from '../live.js'
import { href, navigate, type Route } from '../router.js'
import type { ChangeFrame } from '../stream.js'

// The node colours graph nodes by state (src/protocol/wire.ts, NODE_BACKGROUND): read the state back from it.
const STATE_OF_BACKGROUND: Record<string, number> = { '#eee8d8': 0, '#4689cd': 1, '#92d050': 2, '#cb4239': 3, '#f5a623': 4 }
const NODE_W = 170
const NODE_H = 48

/** A workflow state from the address: 0–4, or -1 (every state, the default: a newcomer sees all there is). */
function stateOf (q: URLSearchParams): number {
  const raw = Number(q.get('state') ?? '-1')
  return Number.isInteger(raw) && raw >= -1 && raw <= 4 ? raw : -1
}

const COUNT_KEYS = ['waitingworkflows', 'runningworkflows', 'successfulworkflows', 'failedworkflows', 'cancelledworkflows'] as const

/** The newest `count` workflows of one state, or of every state (the node lists one state a call). */
async function listGraphs (api: Api, state: number, count: number): Promise<ProcessGraph[]> {
  if (state !== -1) return await api.graphs(state, count)
  const lists = await Promise.all(PROCESS_STATES.map(async (_, s) => await api.graphs(s, count)))
  return lists.flat().sort((a, b) => toMs(b.submissiontime) - toMs(a.submissiontime)).slice(0, count)
}

export function Workflows ({ route }: { route: Route }): JSX.Element {
  const { session } = useApp()
  const state = stateOf(route.query)
  const list = useLive(async () => await listGraphs(session.api, state, 100), [state], { affects: f => f.processes.length > 0, minIntervalMs: 1000 })
  // how many there are in each state, so that an empty state never hides the others
  const stats = useLive(async () => await session.api.stats(), [], { affects: f => f.processes.length > 0, minIntervalMs: 1000 })
  const counts = stats.data === undefined ? undefined : COUNT_KEYS.map(k => stats.data?.[k] ?? 0)
  const total = counts?.reduce((a, n) => a + n, 0)
  const option = (name: string, n: number | undefined): string => n === undefined ? name : `${name} (${count(n)})`
  return (
    <div>
      <h1>Workflows</h1>
      <form class='filters' aria-label='Filter workflows' onSubmit={e => e.preventDefault()}>
        <label>State
          <select value={String(state)} onChange={e => { const v = (e.target as HTMLSelectElement).value; navigate('workflows', { state: v === '-1' ? undefined : v }) }}>
            <option value='-1'>{option('Any', total)}</option>
            {PROCESS_STATES.map((s, i) => <option key={s} value={String(i)}>{option(s[0] + s.slice(1).toLowerCase(), counts?.[i])}</option>)}
          </select>
        </label>
      </form>
      {counts !== undefined && (
        <p class='muted' data-testid='workflow-counts'>
          {PROCESS_STATES.map((s, i) => `${count(counts[i] ?? 0)} ${s.toLowerCase()}`).join(' · ')}
        </p>
      )}
      <ErrorMessage error={list.error} />
      {list.data === undefined
        ? list.error === undefined && <Loading what='workflows' />
        : list.data.length === 0
          ? <p class='muted'>{state === -1 ? 'No workflows yet.' : `No ${processState(state).toLowerCase()} workflows.`}</p>
          : (
            <TableWrap label='Workflows'>
              <table class='list' data-testid='workflow-table'>
                <thead><tr><th scope='col'>Workflow</th><th scope='col'>State</th><th scope='col'>Nodes</th><th scope='col'>Submitted by</th><th scope='col'>Submitted</th><th scope='col'>Ended</th></tr></thead>
                <tbody>
                  {list.data.map(g => (
                    <tr key={g.processgraphid}>
                      <td><a class='mono' href={href(`workflow/${g.processgraphid}`)}>{shortId(g.processgraphid)}</a></td>
                      <td><StateBadge state={g.state} /></td>
                      <td>{g.processids.length}</td>
                      <td>{g.initiatorname}</td>
                      <td>{when(g.submissiontime)}</td>
                      <td>{when(g.endtime)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
            )}
      {list.data !== undefined && list.data.length === 100 && <p class='muted'>Showing the newest 100.</p>}
    </div>
  )
}

export function GraphDrawing ({ g }: { g: ProcessGraph }): JSX.Element {
  const pos = useMemo(() => new Map(g.nodes.map(n => [n.id, n.position])), [g])
  const maxX = Math.max(0, ...g.nodes.map(n => n.position.x)) + NODE_W
  const maxY = Math.max(0, ...g.nodes.map(n => n.position.y)) + NODE_H
  const pad = 12
  return (
    <div class='graph-wrap'>
      <svg class='graph' width={maxX + 2 * pad} height={maxY + 2 * pad} viewBox={`${-pad} ${-pad} ${maxX + 2 * pad} ${maxY + 2 * pad}`} role='group' aria-label='Workflow graph' data-testid='workflow-graph'>
        <defs>
          <marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' markerHeight='7' orient='auto-start-reverse'>
            <path d='M 0 0 L 10 5 L 0 10 z' class='arrow' />
          </marker>
        </defs>
        {g.edges.map(e => {
          const a = pos.get(e.source)
          const b = pos.get(e.target)
          if (a === undefined || b === undefined) return null
          const x1 = a.x + NODE_W / 2
          const y1 = a.y + NODE_H
          const x2 = b.x + NODE_W / 2
          const y2 = b.y
          const my = (y1 + y2) / 2
          return <path key={e.id} d={`M ${x1} ${y1} C ${x1} ${my}, ${x2} ${my}, ${x2} ${y2}`} class={e.animated ? 'edge running' : 'edge'} marker-end='url(#arrow)' />
        })}
        {g.nodes.map(n => {
          const state = STATE_OF_BACKGROUND[n.style.background] ?? -2
          const name = processState(state)
          return (
            <a key={n.id} href={href(`process/${n.id}`)} aria-label={`${n.data.label}: ${name}`} data-node={n.data.label} data-state={name}>
              <rect x={n.position.x} y={n.position.y} width={NODE_W} height={NODE_H} rx='6' class={`node state-${name.toLowerCase()}`} />
              <text x={n.position.x + NODE_W / 2} y={n.position.y + 20} class='node-label' text-anchor='middle'>{n.data.label}</text>
              <text x={n.position.x + NODE_W / 2} y={n.position.y + 38} class='node-state' text-anchor='middle'>{name}</text>
            </a>
          )
        })}
      </svg>
    </div>
  )
}

export function Workflow ({ id }: { id: string }): JSX.Element {
  const { session } = useApp()
  const ids = useRef<ReadonlySet<string> | undefined>(undefined)
  const g = useLive(async () => {
    const graph = await session.api.graph(id)
    ids.current = new Set(graph.processids)
    return graph
  }, [id], {
    affects: (f: ChangeFrame): boolean => f.processes.some(p => ids.current?.has(p.processid) ?? true),
    minIntervalMs: 200
  })
  const d = g.data
  return (
    <div>
      <h1>Workflow {shortId(id)} {d !== undefined && <StateBadge state={d.state} />}</h1>
      <ErrorMessage error={g.error} />
      {d === undefined
        ? g.error === undefined && <Loading what='the workflow' />
        : (
          <>
            <div class='actions' role='group' aria-label='Actions'>
              {(d.state === 0 || d.state === 1) && (
                <ActionButton label='Cancel workflow' confirm='Cancel this workflow?' danger
                  action={async () => await session.api.call({ msgtype: 'cancelprocessgraphmsg', processgraphid: id })} onDone={g.reload}
                />
              )}
            </div>
            <p class='muted'>Submitted {when(d.submissiontime)} by {d.initiatorname}; {d.processids.length} nodes. Select a node to open its process.</p>
            <GraphDrawing g={d} />
            <h2>Nodes</h2>
            <TableWrap label='Workflow nodes'>
              <table class='list' data-testid='workflow-nodes'>
                <thead><tr><th scope='col'>Node</th><th scope='col'>State</th><th scope='col'>Process</th></tr></thead>
                <tbody>
                  {d.nodes.map(n => (
                    <tr key={n.id}>
                      <td>{n.data.label}</td>
                      <td><StateBadge state={STATE_OF_BACKGROUND[n.style.background] ?? -2} /></td>
                      <td><a class='mono' href={href(`process/${n.id}`)}>{shortId(n.id)}</a></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </>
          )}
    </div>
  )
}
