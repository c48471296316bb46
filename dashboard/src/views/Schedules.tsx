/** Crons (workflows on a schedule) and generators (workflows from packed arguments). */
import type { JSX } from 'preact'
import { ErrorMessage, Loading, TableWrap } from '../components.js'
import { shortId, when } from '../format.js'
import { useApp, useLive } from '../live.js'
import { href } from '../router.js'

export function Schedules (): JSX.Element {
  const { session } = useApp()
  // firings create workflows, so process changes are what move these tables
  const crons = useLive(async () => await session.api.crons(), [], { minIntervalMs: 2000 })
  const gens = useLive(async () => await session.api.generators(), [], { minIntervalMs: 2000 })
  return (
    <div>
      <h1>Cron and generators</h1>
      <section aria-labelledby='h-cron'>
        <h2 id='h-cron'>Crons</h2>
        <ErrorMessage error={crons.error} />
        {crons.data === undefined
          ? crons.error === undefined && <Loading what='crons' />
          : crons.data.length === 0
            ? <p class='muted'>No crons. Add one with <code>colonies cron add</code>.</p>
            : (
              <TableWrap label='Crons'>
                <table class='list' data-testid='cron-table'>
                  <thead><tr><th scope='col'>Name</th><th scope='col'>Schedule</th><th scope='col'>Next run</th><th scope='col'>Last run</th><th scope='col'>Last workflow</th><th scope='col'>Waits for previous</th></tr></thead>
                  <tbody>
                    {crons.data.map(c => (
                      <tr key={c.cronid}>
                        <td>{c.name}</td>
                        <td class='mono'>{c.interval > 0 ? `every ${c.interval} s${c.random ? ' (random)' : ''}` : c.cronexpression}</td>
                        <td>{when(c.nextrun)}</td>
                        <td>{when(c.lastrun)}</td>
                        <td>{c.prevprocessgraphid === '' ? '—' : <a class='mono' href={href(`workflow/${c.prevprocessgraphid}`)}>{shortId(c.prevprocessgraphid)}</a>}</td>
                        <td>{c.waitforprevprocessgraph ? 'yes' : 'no'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
              )}
      </section>
      <section aria-labelledby='h-gen'>
        <h2 id='h-gen'>Generators</h2>
        <ErrorMessage error={gens.error} />
        {gens.data === undefined
          ? gens.error === undefined && <Loading what='generators' />
          : gens.data.length === 0
            ? <p class='muted'>No generators. Add one with <code>colonies generator add</code>.</p>
            : (
              <TableWrap label='Generators'>
                <table class='list' data-testid='generator-table'>
                  <thead><tr><th scope='col'>Name</th><th scope='col'>Trigger</th><th scope='col'>Timeout</th><th scope='col'>Queued</th><th scope='col'>First queued</th><th scope='col'>Last run</th></tr></thead>
                  <tbody>
                    {gens.data.map(g => (
                      <tr key={g.generatorid}>
                        <td>{g.name}</td>
                        <td>{g.trigger} args</td>
                        <td>{g.timeout > 0 ? `${g.timeout} s` : 'none'}</td>
                        <td>{g.queuesize}</td>
                        <td>{when(g.firstpack)}</td>
                        <td>{when(g.lastrun)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
              )}
      </section>
    </div>
  )
}
