import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { within } from '../helpers/deadline.js'
import { argToString, runCommand, splitCommandLine } from '../../src/client/unix-executor.js'
import { ValidationError } from '../../src/protocol/errors.js'

/** A command line running `script` with this Node (scripts use single quotes, no $ or \). */
const node = (script: string): string => `'${process.execPath}' -e "${script}"`

test('splitCommandLine honours double quotes, single quotes and backslashes', () => {
  assert.equal(splitCommandLine('echo sayhello'), ['echo', 'sayhello'])
  assert.equal(splitCommandLine('  a   b\tc  '), ['a', 'b', 'c'])
  assert.equal(splitCommandLine(`printf "%s|" "a b" 'c d' e\\ f`), ['printf', '%s|', 'a b', 'c d', 'e f'])
  assert.equal(splitCommandLine(`x "say \\"hi\\"" 'it''s' ""`), ['x', 'say "hi"', 'its', ''])
  assert.equal(splitCommandLine(`'$HOME' "a\\nb"`), ['$HOME', 'a\\nb'])
  assert.equal(splitCommandLine(''), [])
  assert.throws(() => splitCommandLine('echo "open'), (err: unknown) => err instanceof ValidationError && err.field === 'funcname')
})

test('args become text: strings as they are, everything else as JSON', () => {
  assert.equal(['a', 1, true, null, { x: [1] }].map(argToString), ['a', '1', 'true', 'null', '{"x":[1]}'])
})

test('echo sayhello: output is the trimmed stdout and the line is logged', async () => {
  const lines: string[] = []
  const r = await runCommand({ funcname: 'echo sayhello' }, { log: l => lines.push(l) })
  assert.ok(r.ok)
  assert.is(r.exitCode, 0)
  assert.equal(r.out, ['sayhello'])
  assert.equal(r.errors, [])
  assert.equal(lines, ['sayhello'])
})

test('args are appended after the words of funcname', async () => {
  const r = await runCommand({ funcname: 'echo hello', args: ['big world', 42, { k: 'v' }] })
  assert.equal(r.out, ['hello big world 42 {"k":"v"}'])
  assert.equal(r.argv, ['echo', 'hello', 'big world', '42', '{"k":"v"}'])
})

test('quoted words reach the command as single arguments, without a shell', async () => {
  const r = await runCommand({ funcname: `printf "%s|" "a b" 'c  d' $HOME` })
  assert.equal(r.out, ['a b|c  d|$HOME|'])
})

test('a non-zero exit fails with the exit code and the last stderr lines', async () => {
  const lines: string[] = []
  const r = await runCommand({ funcname: node("console.log('partial'); console.error('boom'); console.error('bang'); process.exit(3)") },
    { log: l => lines.push(l) })
  assert.not.ok(r.ok)
  assert.is(r.exitCode, 3)
  assert.equal(r.out, [])
  assert.equal(r.errors, ['exit code 3', 'boom', 'bang'])
  assert.ok(lines.includes('partial'))
  assert.ok(lines.includes('stderr: boom'))
})

test('an unknown command fails with a clear message instead of throwing', async () => {
  const r = await runCommand({ funcname: 'no-such-command-colonynet-test' })
  assert.not.ok(r.ok)
  assert.is(r.exitCode, null)
  assert.match(r.errors[0] ?? '', /cannot run "no-such-command-colonynet-test": command not found/)
})

test('an argument exec cannot take fails the run with its cause, also with an abort signal', async () => {
  // the executor always passes a signal: the failure path once read it before its declaration
  const signal = new AbortController().signal
  const nul = await runCommand({ funcname: 'echo', args: ['ok', 'a\u0000b'] }, { signal })
  assert.not.ok(nul.ok)
  assert.equal(nul.errors, ['cannot run "echo": argument 2 contains a NUL byte'])
  const big = await runCommand({ funcname: 'echo', args: ['x'.repeat(200_000)] }, { signal })
  assert.not.ok(big.ok)
  assert.match(big.errors[0] ?? '', /^cannot run "echo": spawn E2BIG \(/)
  const env = await runCommand({ funcname: 'echo', env: { 'K\u0000': 'v' } }, { signal })
  assert.equal(env.errors, ['cannot run "echo": environment variable "K\\x00" contains a NUL byte'])
  const name = await runCommand({ funcname: 'no-such\u001b[31m' }, { signal })
  assert.equal(name.errors, ['cannot run "no-such\\x1b[31m": command not found (is it installed and on PATH?)'])
})

test('an empty funcname is refused', async () => {
  try {
    await runCommand({ funcname: '  ' })
    assert.unreachable('expected a ValidationError')
  } catch (err) {
    assert.instance(err, ValidationError)
  }
})

test('spec.env is laid over the executor environment', async () => {
  const r = await runCommand({ funcname: node("console.log(process.env.GREETING + ' ' + process.env.BASE)"), env: { GREETING: 'hej' } },
    { env: { ...process.env, BASE: 'base', GREETING: 'overridden' } })
  assert.equal(r.out, ['hej base'])
})

test('maxexectime kills the command at its deadline and fails clearly', async () => {
  const t0 = Date.now()
  const r = await within(20_000, 'the command to end', runCommand({ funcname: 'sleep 60', maxexectime: 1 }))
  const elapsed = Date.now() - t0
  assert.ok(elapsed >= 900, `ended after ${elapsed} ms, before its deadline`)
  assert.is(r.signal, 'SIGTERM', 'killed, not ended by itself')
  assert.not.ok(r.ok)
  assert.ok(r.timedOut)
  assert.is(r.errors[0], 'killed after the maximum execution time of 1 s')
})

test('a command that ignores SIGTERM gets SIGKILL after the grace time', async () => {
  // the command never ends by itself
  const r = await within(20_000, 'the command to be killed', runCommand({ funcname: node("process.on('SIGTERM', () => console.log('ignoring')); setInterval(() => {}, 1000)"), maxexectime: 1 },
    { killGraceMs: 300 }))
  assert.ok(r.timedOut)
  assert.is(r.signal, 'SIGKILL')
})

test('lines are logged while the command still runs', async () => {
  let finished = false
  let firstSeenWhileRunning: boolean | undefined
  const lines: string[] = []
  const run = runCommand({ funcname: node("console.log('first'); setTimeout(() => console.log('second'), 700)") }, {
    log: l => {
      lines.push(l)
      if (l === 'first') firstSeenWhileRunning = !finished
    }
  }).then(r => { finished = true; return r })
  const r = await run
  assert.ok(r.ok)
  assert.is(firstSeenWhileRunning, true)
  assert.equal(lines, ['first', 'second'])
  assert.equal(r.out, ['first\nsecond'])
})

test('aborting the signal kills the command', async () => {
  const ctrl = new AbortController()
  const r = await within(20_000, 'the command to be killed', runCommand({ funcname: node("console.log('ready'); setTimeout(() => console.log('too late'), 60_000)") }, {
    signal: ctrl.signal,
    onOutput: line => { if (line === 'ready') ctrl.abort(new Error('executor stopped')) }
  }))
  assert.ok(r.aborted)
  assert.not.ok(r.ok)
  assert.is(r.errors[0], 'killed: executor stopped')
  assert.not.match(r.stdout, 'too late')
})

test('onOutput sees stdout and stderr lines with their stream', async () => {
  const seen: string[] = []
  await runCommand({ funcname: node("console.log('out'); console.error('err')") }, { onOutput: (l, s) => seen.push(`${s}:${l}`) })
  assert.equal(seen.sort(), ['stderr:err', 'stdout:out'])
})

test('shell mode runs /bin/sh -c with the args single-quoted', async () => {
  const r = await runCommand({ funcname: 'echo "$GREETING" | tr a-z A-Z; echo', args: ['$(echo injected)', "it's"], env: { GREETING: 'hi' } },
    { shell: true })
  assert.ok(r.ok)
  assert.equal(r.out, ['HI\n$(echo injected) it\'s'])
})

test('shell mode kills the whole process group at the deadline', async () => {
  // the shell starts a grandchild (output elsewhere, so it cannot hold the pipes open) and waits
  const r = await within(20_000, 'the shell to be killed', runCommand({ funcname: 'sleep 60 </dev/null >/dev/null 2>&1 & echo $!; wait; echo done', maxexectime: 1 }, { shell: true }))
  assert.ok(r.timedOut)
  assert.not.match(r.stdout, 'done')
  const grandchild = Number(r.stdout.trim())
  assert.ok(Number.isInteger(grandchild) && grandchild > 0, `the grandchild's pid: ${r.stdout}`)
  // a zombie (killed, not yet reaped by whoever adopted it) counts as gone
  const alive = (): boolean => {
    try { process.kill(grandchild, 0) } catch { return false }
    try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${grandchild}/stat`, 'utf8')) } catch { return true }
  }
  try {
    const end = Date.now() + 10_000
    while (alive() && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 20))
    assert.not.ok(alive(), 'the grandchild was killed with the shell')
  } finally {
    if (alive()) process.kill(grandchild, 'SIGKILL')
  }
})

test.run()
