import { rm } from 'node:fs/promises'
import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { confirm } from '../../confirm.js'
import { UsageError } from '../../errors.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { syncDir } from '../../fs-dir.js'
import { cleanDetails } from '../../views/fs-sync.js'

export default class FsClean extends ClientCommand<typeof FsClean> {
  static override summary = 'Remove local files (and sub-directories) that the label does not hold'
  static override description = 'The local side of a sync that should mirror the label: a file whose name the label lacks is removed, ' +
    'a sub-directory with no label at or below it goes whole. Nothing in the colony changes. Asks first unless --yes; --dry only shows what would go.'

  static override examples = ['<%= config.bin %> fs clean -l /data -d ./data --dry', '<%= config.bin %> fs clean -d ./data --yes']
  static override flags = {
    dir: Flags.string({ char: 'd', description: 'Local directory to clean (default: the current directory)' }),
    label: Flags.string({ char: 'l', description: 'Label, e.g. /data (default: the one in DIR/.cfs)' }),
    dry: Flags.boolean({ description: 'Show what would be removed; remove nothing' }),
    yes: Flags.boolean({ description: 'Remove without asking' }),
    cleanplans: Flags.boolean({ description: 'Show every file and directory to remove' }),
    quite: Flags.boolean({ description: 'No output but errors (upstream\'s spelling; needs --yes)', aliases: ['quiet'] }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const f = this.flags
    if (f.quite && !f.yes) throw new UsageError('--quite and --yes must be used together: add --yes')
    const say = (line: string): void => { if (!f.quite) this.logToStderr(line) }
    const colonyname = this.colonyName()
    const { dir, label } = await syncDir(f.dir, f.label, say)
    const client = await this.client(MEMBER_KEY, f.prvkey)
    const { calcCleanPlans } = await import('../../../client/fs/index.js')
    const plans = await calcCleanPlans(client, colonyname, dir, label)
    const files = plans.flatMap(p => p.files)
    const dirs = plans.flatMap(p => p.dirs)
    const result = { label, dir, dry: f.dry, removed: false, files, dirs }
    const show = (human: string): void => {
      if (this.json) this.log(JSON.stringify(result, null, 2))
      else if (!f.quite) this.log(human)
    }
    if (files.length + dirs.length === 0) {
      show(`Nothing to remove: every file in ${dir} is in label ${label}`)
      return
    }
    const plan = `Clean plan for ${dir} against label ${label}: remove ${files.length} files and ${dirs.length} directories` +
      `\n${f.cleanplans ? `\n${cleanDetails(plans)}` : 'Add --cleanplans to see each one.'}`
    if (f.dry) {
      show(plan)
      return
    }
    if (!f.yes) {
      this.logToStderr(plan)
      if (!await confirm('Remove these local files?', false)) {
        this.logToStderr('Aborted: nothing removed (answer yes, or pass --yes)')
        this.exit(1)
      }
    }
    for (const d of dirs) await rm(d, { recursive: true, force: true })
    for (const file of files) await rm(file, { force: true })
    result.removed = true
    show(`Removed ${files.length} files and ${dirs.length} directories from ${dir}`)
  }
}
