/**
 * `function submit` and `function exec`: submit a spec, then optionally wait for the
 * process to end (--wait) or print its log while it runs (--follow), exiting 1 when it
 * failed or was cancelled, as upstream does.
 */
import { Flags, type Command, type Interfaces } from '@oclif/core'
import type { ColoniesClient } from '../client/index.js'
import type { FunctionSpec } from '../protocol/spec.js'
import { ProcessState } from '../protocol/state.js'
import type { Process } from '../protocol/wire-types.js'
import { visibleLines } from '../protocol/visible.js'
import { ClientCommand } from './client-command.js'
import { MEMBER_KEY } from './config.js'
import { ProcessEndedError } from './errors.js'
import { colonyFlag, memberKeyFlag } from './flags.js'
import { followLogs, waitUntilEnded, watchAttempts } from './process-watch.js'
import { stateName, valuesText } from './views/process.js'

export type SubmitFlags<T extends typeof Command> = Interfaces.InferredFlags<typeof SubmitCommand['baseFlags'] & T['flags']>

export abstract class SubmitCommand<T extends typeof Command> extends ClientCommand<T> {
  static override baseFlags = {
    ...ClientCommand.baseFlags,
    wait: Flags.boolean({ description: 'Wait until the process has ended; exit 1 if it failed' }),
    follow: Flags.boolean({ description: 'Print the process log while it runs, until it ends' }),
    out: Flags.boolean({ description: 'With --wait: print only the output of the process' }),
    timeout: Flags.integer({ description: 'With --wait/--follow: give up after this many seconds (0 = never)', default: 0, min: 0 }),
    label: Flags.string({ description: 'Label the process' }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  protected declare flags: SubmitFlags<T>

  protected async submitAndReport (spec: FunctionSpec): Promise<void> {
    if (this.flags.label !== undefined) spec.label = this.flags.label
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const submitted = await client.submitFunctionSpec(spec)
    const id = submitted.processid
    if (!this.flags.wait && !this.flags.follow) {
      this.output(submitted, p => `Submitted process ${p.processid}`)
      return
    }
    if (!this.flags.out) this.note(`Submitted process ${id}`)

    // each attempt's end on stderr as it happens, beside --wait/--follow (stdout stays the result)
    const attempts = new AbortController()
    const watching = watchAttempts(client, { processid: id, maxretries: spec.maxretries, print: line => this.logToStderr(line), signal: attempts.signal })
    let ended: Process
    try {
      ended = await this.waitForEnd(client, spec, id)
    } finally {
      // its last look prints the final attempt's end before the report below
      attempts.abort()
      await watching
    }
    this.report(ended, id)
  }

  private async waitForEnd (client: ColoniesClient, spec: FunctionSpec, id: string): Promise<Process> {
    let ended: Process | undefined
    if (this.flags.follow) {
      const ctrl = new AbortController()
      const timer = this.flags.timeout > 0 ? setTimeout(() => ctrl.abort(), this.flags.timeout * 1000) : undefined
      let openLine = false
      ended = await followLogs(client, {
        colonyname: spec.conditions.colonyname,
        processid: id,
        print: m => {
          if (this.json || m === '') return
          process.stdout.write(visibleLines(m))
          openLine = !m.endsWith('\n')
        },
        signal: ctrl.signal
      }).finally(() => clearTimeout(timer))
      if (openLine) process.stdout.write('\n')
      if (ended === undefined) throw new ProcessEndedError(`process ${id} did not end within ${this.flags.timeout} s`)
    } else {
      ended = await waitUntilEnded(client, id, this.flags.timeout)
    }
    return ended
  }

  private report (ended: Process, id: string): void {
    if (this.json) {
      this.log(JSON.stringify(ended, null, 2))
    } else if (ended.state === ProcessState.SUCCESS) {
      const out = ended.out ?? []
      if (!this.flags.out) this.log(`Process ${id} successful${out.length > 0 ? ', output:' : ''}`)
      for (const v of out) this.log(valuesText([v]))
    }
    if (ended.state !== ProcessState.SUCCESS) {
      const errors = (ended.errors ?? []).join('; ')
      throw new ProcessEndedError(`process ${id} ${stateName(ended.state).toLowerCase()}${errors === '' ? '' : `: ${errors}`}`)
    }
  }
}
