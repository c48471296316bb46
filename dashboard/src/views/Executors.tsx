/**
 * The colony's executors: type, state, the site each last worked at (colonynet's
 * getexecutorsitesmsg) and when; the colony owner approves and rejects them here.
 */
import type { JSX } from 'preact'
import { ActionButton, ErrorMessage, ExecutorBadge, Loading, TableWrap } from '../components.js'
import { ago, shortId } from '../format.js'
import { useApp, useLive } from '../live.js'
import { nameOf, useSiteNames } from './Sites.js'

export function Executors (): JSX.Element {
  const { session } = useApp()
  const data = useLive(async () => {
    const [executors, sites] = await Promise.all([session.api.executors(), session.api.executorSites()])
    return { executors, sites: new Map(sites.map(s => [s.executorid, s])) }
  }, [], { minIntervalMs: 500 })
  const names = useSiteNames()
  const owner = session.role === 'owner'
  const d = data.data
  const now = Date.now()
  return (
    <div>
      <h1>Executors</h1>
      {!owner && <p class='muted'>Only the colony owner may approve or reject executors; you are signed in as a member.</p>}
      <ErrorMessage error={data.error} />
      {d === undefined
        ? data.error === undefined && <Loading what='executors' />
        : d.executors.length === 0
          ? <p class='muted'>No executors are registered in this colony.</p>
          : (
            <TableWrap label='Executors'>
              <table class='list' data-testid='executor-table'>
                <thead><tr><th scope='col'>Name</th><th scope='col'>Type</th><th scope='col'>State</th><th scope='col'>Site</th><th scope='col'>Last seen</th><th scope='col'>Location</th>{owner && <th scope='col'>Actions</th>}</tr></thead>
                <tbody>
                  {d.executors.map(x => {
                    const at = d.sites.get(x.executorid)
                    return (
                      <tr key={x.executorid} data-executor={x.executorname}>
                        <td>{x.executorname} <span class='mono muted small' title={x.executorid}>{shortId(x.executorid)}</span></td>
                        <td>{x.executortype}</td>
                        <td><ExecutorBadge state={x.state} /></td>
                        <td>{nameOf(names, at?.site ?? '')}</td>
                        <td>{ago(at?.lastseen ?? 0, now)}</td>
                        <td>{x.locationname ?? ''}</td>
                        {owner && (
                          <td>
                            <div class='row-actions'>
                              {x.state !== 1 && <ActionButton label={`Approve ${x.executorname}`} action={async () => await session.api.approveExecutor(x.executorname)} onDone={data.reload} />}
                              {x.state !== 2 && <ActionButton label={`Reject ${x.executorname}`} confirm={`Reject ${x.executorname}?`} danger action={async () => await session.api.rejectExecutor(x.executorname)} onDone={data.reload} />}
                            </div>
                          </td>
                        )}
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </TableWrap>
            )}
    </div>
  )
}
