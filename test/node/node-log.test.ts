/**
 * The node's log lines: whatever text a line quotes (a client's, a peer's), it reaches the
 * operator's log as one line with its control characters escaped, never raw.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { ColonyNode, withVisibleLog } from '../../src/node/node.js'

test('a log line quoting hostile text is written escaped, as one line', () => {
  const lines: string[] = []
  const opts = withVisibleLog({ dataDir: '/nowhere', port: 0, log: line => lines.push(line) })
  opts.log?.('refused "\u001b]0;pwned\u0007\u001b[31mred\u0000\nforged line\u009b\u202e"')
  assert.equal(lines, ['refused "\\x1b]0;pwned\\x07\\x1b[31mred\\x00\\x0aforged line\\x9b\\u202e"'])
  assert.is(withVisibleLog({ dataDir: '/nowhere', port: 0 }).log, undefined)
})

test('a started node still writes its log (through withVisibleLog, in ColonyNode.start)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-node-log-'))
  const lines: string[] = []
  const node = await ColonyNode.start({ dataDir: dir, port: 0, operatorPrvkey: generatePrivateKey(), log: line => lines.push(line) })
  try {
    assert.ok(lines.some(l => l.includes(`serving the ColonyOS API on ${node.url}`)), lines.join('\n'))
  } finally {
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  }
})

test.run()
