import { mkdir } from 'node:fs/promises'
import { Flags } from '@oclif/core'
import { confirm } from '../../confirm.js'
import { UsageError } from '../../errors.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { syncDir } from '../../fs-dir.js'
import { FsTransferCommand } from '../../fs-transfer-command.js'
import { requireS3Upload, uploadDriver } from '../../s3-env.js'
import { planDetails, planSummary, skippedLine, syncCounts, syncDone, type SyncSummary } from '../../views/fs-sync.js'

export default class FsSync extends FsTransferCommand<typeof FsSync> {
  static override summary = 'Synchronize a directory with a label: upload what the label lacks, download what the directory lacks'
  static override description = [
    'Each sub-directory is the sub-label of the same name. A file on both sides with different content is a conflict:',
    'by default (--keeplocal) the local file is uploaded as a new revision; with --no-keeplocal the remote one replaces it.',
    'Shows the plan and asks before changing anything unless --yes; --dry only shows it.',
    'Uploads go to the sites\' blob stores, or to S3 with --driver s3 or when AWS_S3_ENDPOINT is set;',
    'each download comes from where its file says (a colonynet file through this node, from another site if need be).',
    'A cut download resumes where it stopped when the sync is run again. A directory synced once remembers its label in .cfs.'
  ].join(' ')

  static override examples = [
    '<%= config.bin %> fs sync -l /data -d ./data --dry',
    '<%= config.bin %> fs sync -l /data -d ./data --yes',
    '<%= config.bin %> fs sync -d ./data --no-keeplocal --yes --syncplans'
  ]

  static override flags = {
    dir: Flags.string({ char: 'd', description: 'Local directory to sync (default: the current directory)' }),
    label: Flags.string({ char: 'l', description: 'Label, e.g. /data (default: the one in DIR/.cfs)' }),
    driver: Flags.string({ description: 'Where uploads go [default: s3 when AWS_S3_ENDPOINT is set, else colonynet]', options: ['colonynet', 's3'] }),
    dry: Flags.boolean({ description: 'Show the plan; change nothing' }),
    yes: Flags.boolean({ description: 'Apply the plan without asking' }),
    keeplocal: Flags.boolean({ description: 'On a conflict keep the local file (upload it); --no-keeplocal keeps the remote one', default: true, allowNo: true }),
    syncplans: Flags.boolean({ description: 'Show every file of the plan' }),
    quite: Flags.boolean({ description: 'No output but errors (upstream\'s spelling; needs --yes)', aliases: ['quiet'] }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  public override async init (): Promise<void> {
    // upstream's --keeplocal=false / =true (a Go bool flag)
    this.argv = this.argv.map(a => /^--keeplocal=(false|0)$/i.test(a) ? '--no-keeplocal' : /^--keeplocal=(true|1)$/i.test(a) ? '--keeplocal' : a)
    await super.init()
  }

  async run (): Promise<void> {
    const f = this.flags
    const quiet = f.quite
    if (quiet && !f.yes) throw new UsageError('--quite and --yes must be used together: add --yes')
    const say = (line: string): void => { if (!quiet) this.logToStderr(line) }
    const colonyname = this.colonyName()
    const { calcSyncPlans, planIsEmpty, applySyncPlans } = await import('../../../client/fs/index.js')
    const { dir, label } = await syncDir(f.dir, f.label, say)
    const driver = uploadDriver(process.env, f.driver)
    const { client, mover } = await this.mover(colonyname, f.prvkey)
    this.detail(`planning: label ${label}, directory ${dir}, keeplocal ${String(f.keeplocal)}`)
    const { plans, skipped } = await calcSyncPlans(client, colonyname, dir, label, f.keeplocal)
    for (const k of skipped) say(skippedLine(k))
    const todo = plans.filter(p => !planIsEmpty(p))
    const summary: SyncSummary = {
      label, dir, keeplocal: f.keeplocal, conflictresolution: f.keeplocal ? 'replace-remote' : 'replace-local', driver, dry: f.dry,
      applied: false, ...syncCounts(todo), plans: todo, skipped, uploaded: [], downloaded: [], moved: 0
    }
    const show = (human: string): void => {
      if (this.json) this.log(JSON.stringify(summary, null, 2))
      else if (!quiet) this.log(human)
    }
    if (todo.length === 0) {
      show(`Nothing to do: label ${label} and directory ${dir} are already synchronized`)
      return
    }
    const plan = `${planSummary(summary)}\n${f.syncplans ? `\n${planDetails(todo)}` : 'Add --syncplans to see each file.'}`
    if (f.dry) {
      show(plan)
      return
    }
    const uploads = summary.upload + (f.keeplocal ? summary.conflicts : 0)
    if (uploads > 0 && driver === 's3') requireS3Upload(process.env)
    if (!f.yes) {
      // the plan goes where the question goes: stderr, so stdout keeps only the result
      this.logToStderr(plan)
      if (!await confirm('Apply this plan?', false)) {
        this.logToStderr('Aborted: nothing changed (answer yes, or pass --yes)')
        this.exit(1)
      }
    }
    await mkdir(dir, { recursive: true })
    const progress = this.progress(summary.download + summary.upload + summary.conflicts, summary.bytes, quiet)
    try {
      const result = await applySyncPlans(todo, { client, mover, driver, onEvent: e => progress.event(e) })
      Object.assign(summary, { applied: true, uploaded: result.uploaded, downloaded: result.downloaded, moved: result.bytes })
    } finally {
      progress.end()
    }
    show(syncDone(summary))
  }
}
