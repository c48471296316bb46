import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { UsageError } from '../../errors.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { followLogs } from '../../process-watch.js'
import { untilSignalled } from '../../signals.js'
import { visibleLines } from '../../../protocol/visible.js'

export default class LogGet extends ClientCommand<typeof LogGet> {
  static override summary = 'Print the log of a process (or of an executor)'
  static override description = 'By default the latest --count messages. With --follow, keeps printing new messages until the process ends (or, for --executorname, until Ctrl-C).'
  static override flags = {
    processid: Flags.string({ char: 'p', description: 'Process id' }),
    executorname: Flags.string({ char: 'e', description: 'Executor name (instead of a process)' }),
    count: Flags.integer({ description: 'Number of messages to fetch (at most 500)', default: 100, min: 1, max: 500 }),
    since: Flags.string({ description: 'Only messages after this time (Unix nanoseconds)' }),
    first: Flags.boolean({ char: 'f', description: 'The oldest messages instead of the latest' }),
    follow: Flags.boolean({ description: 'Keep printing new messages until the process ends' }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  static override examples = ['<%= config.bin %> log get -p <processid> --follow']

  async run (): Promise<void> {
    const { processid, executorname } = this.flags
    if (processid === undefined && executorname === undefined) throw new UsageError('pass --processid (-p) or --executorname (-e)')
    const since = this.flags.since === undefined ? 0 : Number(this.flags.since)
    if (!Number.isFinite(since) || since < 0) throw new UsageError(`--since takes Unix nanoseconds, got "${this.flags.since ?? ''}"`)
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)

    if (this.flags.follow) {
      const ctrl = new AbortController()
      void untilSignalled().then(() => ctrl.abort())
      let last = ''
      await followLogs(client, {
        colonyname,
        processid: executorname === undefined ? processid : undefined,
        executorname,
        signal: ctrl.signal,
        print: m => { last = m; process.stdout.write(this.json ? `${JSON.stringify(m)}\n` : visibleLines(m)) }
      })
      if (!this.json && last !== '' && !last.endsWith('\n')) process.stdout.write('\n')
      return
    }

    const logs = await client.getLogs({
      colonyname,
      processid: executorname === undefined ? processid : undefined,
      executorname,
      count: this.flags.count,
      since,
      latest: !this.flags.first && since === 0
    })
    if (this.json) {
      this.log(JSON.stringify(logs, null, 2))
      return
    }
    if (logs.length === 0) {
      this.log(`No logs found for ${executorname === undefined ? `process ${processid ?? ''}` : `executor ${executorname}`}`)
      return
    }
    // any member may write a log: its control characters are shown, not obeyed
    const text = visibleLines(logs.map(l => l.message).join(''))
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  }
}
