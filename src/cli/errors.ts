/**
 * Errors the CLI raises itself, before or instead of talking to a node. Matched by
 * `name` like every other error in the project (see failure.ts for the exit codes).
 */

/** The command line or the configuration is wrong: the user must change what they typed. */
export class UsageError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** A setting the command needs is neither in the environment nor on the command line. */
export class MissingSettingError extends UsageError {
  /** the environment variable to export, e.g. COLONIES_PRVKEY */
  readonly variable: string
  constructor (variable: string, what: string, flag?: string) {
    const orFlag = flag === undefined ? '' : ` (or pass --${flag})`
    super(`${variable} is not set: export ${variable}=<${what}>${orFlag}. \`colonies dev\` prints a working set.`)
    this.name = 'MissingSettingError'
    this.variable = variable
  }
}

/** A setting is present but unusable (a port that is not a number, a key that is not a key). */
export class InvalidSettingError extends UsageError {
  readonly variable: string
  constructor (variable: string, problem: string) {
    super(`${variable} ${problem}`)
    this.name = 'InvalidSettingError'
    this.variable = variable
  }
}

/** A spec file cannot be read or does not hold a valid function spec. */
export class SpecFileError extends UsageError {
  readonly file: string
  /** dotted path of the offending field ('' when the file as a whole is unusable) */
  readonly field: string
  constructor (file: string, field: string, problem: string) {
    super(field === '' ? `${file}: ${problem}` : `${file}: invalid ${field}: ${problem}`)
    this.name = 'SpecFileError'
    this.file = file
    this.field = field
  }
}

/** The process the command waited for ended in FAILED or CANCELLED. */
export class ProcessEndedError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ProcessEndedError'
  }
}
