/**
 * Fetches what a workflow's tree shows besides the graph: each node's process and the
 * colony's executors (to name the one a node ran on). A node removed meanwhile, or an
 * executor list the key may not read, leaves a gap in the tree rather than failing it.
 */
import type { ColoniesClient } from '../client/index.js'
import type { Executor, Process, ProcessGraph } from '../protocol/wire-types.js'
import type { WorkflowNodes } from './views/workflow.js'

/** processes fetched at once: enough to be quick, few enough not to flood the node */
const PARALLEL = 16

export async function fetchWorkflowNodes (client: ColoniesClient, g: ProcessGraph): Promise<WorkflowNodes> {
  const { NotFoundError } = await import('../client/index.js')
  const ids = [...new Set(g.processids ?? [])]
  const processes = new Map<string, Process>()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++] as string
      try {
        processes.set(id, await client.getProcess(id))
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err
      }
    }
  }
  const executorsP = client.getExecutors(g.colonyname).catch(() => [] as Executor[])
  await Promise.all(Array.from({ length: Math.min(PARALLEL, ids.length) }, worker))
  const executors = new Map((await executorsP).map(x => [x.executorid, x]))
  return { processes, executors }
}
