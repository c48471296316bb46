/**
 * An unknown command gets one line naming it and where the list is, and exit code 2
 * (oclif's default prints a styled "command x:y not found").
 */
import type { Hook } from '@oclif/core'

const hook: Hook.CommandNotFound = async function (opts) {
  const words = opts.id.split(':')
  const topic = words.slice(0, -1).join(':')
  const inTopic = topic !== '' && opts.config.commandIDs.some(id => id.startsWith(`${topic}:`))
  const hint = inTopic ? `\`${opts.config.bin} ${topic.replaceAll(':', ' ')} --help\` lists its commands` : `\`${opts.config.bin} --help\` lists the commands`
  process.stderr.write(`Error: unknown command "${words.join(' ')}": ${hint}\n`)
  this.exit(2)
}

export default hook
