/**
 * Which cron a command acts on: `--cronid` as upstream's CLI, or `--name` within the colony
 * (names are what `cron add --name` set and `cron ls` shows; ids are long).
 */
import { Flags } from '@oclif/core'
import type { ColoniesClient } from '../client/index.js'
import { MAX_COUNT } from '../protocol/messages.js'
import { NotFoundError } from '../protocol/errors.js'
import { UsageError } from './errors.js'
import { colonyFlag } from './flags.js'

export const cronRefFlags = {
  cronid: Flags.string({ description: 'Cron id', exactlyOne: ['cronid', 'name'] }),
  name: Flags.string({ description: 'Cron name, in the colony (--colonyname)', exactlyOne: ['cronid', 'name'] }),
  ...colonyFlag
}

/** The cron id the flags name; a name is looked up among the colony's crons. */
export async function resolveCronId (client: Pick<ColoniesClient, 'getCrons'>, flags: { cronid?: string, name?: string }, colony: () => string): Promise<string> {
  if (flags.cronid !== undefined) return flags.cronid
  const name = flags.name ?? ''
  const colonyname = colony()
  const matches = (await client.getCrons(colonyname, MAX_COUNT)).filter(c => c.name === name)
  if (matches.length === 0) throw new NotFoundError(`no cron named ${JSON.stringify(name)} in colony ${JSON.stringify(colonyname)}: \`colonies cron ls\` lists them`)
  if (matches.length > 1) throw new UsageError(`${matches.length} crons are named ${JSON.stringify(name)}: pass --cronid (${matches.map(c => c.cronid).join(', ')})`)
  return matches[0]!.cronid
}
