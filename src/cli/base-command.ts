/**
 * What every `colonies` command shares: the global --json and --verbose flags, output
 * (a table for people, the raw JSON reply for machines) and the one place where an
 * error becomes one line on stderr and an exit code (failure.ts), never a stack trace
 * unless --verbose. Human output shows control characters escaped (visible()): specs,
 * logs and names are written by any member of a colony, and must not drive the terminal
 * of every other member who lists them.
 */
import { Command, Flags, type Interfaces } from '@oclif/core'
import { visibleLines } from '../protocol/visible.js'
import { confirm } from './confirm.js'
import { describeFailure, type FailureContext } from './failure.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<typeof BaseCommand['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    json: Flags.boolean({ description: 'Print the raw JSON reply instead of a table.', helpGroup: 'GLOBAL' }),
    verbose: Flags.boolean({ char: 'v', description: 'Say more; show stack traces on errors.', helpGroup: 'GLOBAL' })
  }

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  /** what the error line may mention: the URL, the key setting used, the colony */
  protected failureContext: FailureContext = {}

  public override async init (): Promise<void> {
    await super.init()
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
  }

  protected get json (): boolean {
    return this.flags?.json === true
  }

  protected get verbose (): boolean {
    // flags are unset when parsing itself failed; look at argv so --verbose still works then
    return this.flags?.verbose ?? (this.argv.includes('--verbose') || this.argv.includes('-v'))
  }

  /** A line for people, control characters escaped; with --json the JSON as it is (JSON escapes them already). */
  override log (message = '', ...args: unknown[]): void {
    super.log(this.json ? message : visibleLines(message), ...args)
  }

  /** stderr is for people even with --json */
  override logToStderr (message = '', ...args: unknown[]): void {
    super.logToStderr(visibleLines(message), ...args)
  }

  /** The JSON reply with --json, else the human rendering of it. */
  protected output<V> (value: V, human: (v: V) => string): void {
    this.log(this.json ? JSON.stringify(value, null, 2) : human(value))
  }

  /** A progress or confirmation line: stdout for people, stderr under --json so stdout stays parseable. */
  protected note (line: string): void {
    if (this.json) this.logToStderr(line)
    else this.log(line)
  }

  /**
   * Before something that cannot be undone: the one rule of confirm.ts (ask on a terminal,
   * --yes skips, no terminal and no --yes is refused). `warning` goes to stderr first, even
   * with --yes; "no" ends the command with exit code 1 and nothing done.
   */
  protected async confirmOrAbort (question: string, yes: boolean, warning?: string): Promise<void> {
    if (warning !== undefined) this.logToStderr(`Warning: ${warning}`)
    if (!await confirm(question, yes)) {
      this.logToStderr('Aborted: nothing removed (answer yes, or pass --yes)')
      this.exit(1)
    }
  }

  /** Only with --verbose, on stderr. */
  protected detail (line: string): void {
    if (this.verbose) this.logToStderr(line)
  }

  protected override async catch (err: Error & { code?: string, oclif?: { exit?: number } }): Promise<void> {
    // this.exit() throws an ExitError; let oclif turn it into the exit code silently
    if (err.code === 'EEXIT') throw err
    const failure = describeFailure(err, this.failureContext)
    process.stderr.write(`Error: ${visibleLines(failure.message)}\n`)
    if (this.verbose && err.stack !== undefined) process.stderr.write(`${err.stack}\n`)
    this.exit(failure.code)
  }
}
