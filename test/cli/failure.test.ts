import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ExitCode, describeFailure } from '../../src/cli/failure.js'
import { MissingSettingError, ProcessEndedError, SpecFileError } from '../../src/cli/errors.js'
import { ForbiddenError, NotFoundError, ValidationError } from '../../src/protocol/errors.js'
import { NodeUnreachableError, WaitTimeoutError, rpcError } from '../../src/client/errors.js'
import { conflict, forbidden, invalid, notFound, type Refusal, refusalError } from '../../src/protocol/refusal.js'

function named (name: string, message: string, extra: Record<string, unknown> = {}): Error {
  const e = new Error(message)
  e.name = name
  return Object.assign(e, extra)
}

test('exit codes are the documented ones', () => {
  assert.equal(ExitCode, { OK: 0, FAILURE: 1, USAGE: 2, UNREACHABLE: 3, FORBIDDEN: 4, NOT_FOUND: 5 })
})

test('an unreachable node → 3, naming the URL and how to start a node', () => {
  const f = describeFailure(named('NodeUnreachableError', 'fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }), { url: 'http://localhost:50080' })
  assert.is(f.code, 3)
  assert.ok(f.message.includes('http://localhost:50080'), f.message)
  assert.ok(f.message.includes('ECONNREFUSED'), f.message)
  assert.ok(f.message.includes('colonies dev'), f.message)
  const g = describeFailure(new NodeUnreachableError('http://10.0.0.1:50080', 'connection refused (ECONNREFUSED)'))
  assert.is(g.code, 3)
  assert.ok(g.message.startsWith('No colonynet node answers at http://10.0.0.1:50080 (connection refused (ECONNREFUSED))'), g.message)
})

test("the client's typed RPC errors map by status", () => {
  assert.is(describeFailure(rpcError(400, 'bad')).code, 2)
  assert.is(describeFailure(rpcError(403, 'denied')).code, 4)
  assert.is(describeFailure(rpcError(404, 'gone')).code, 5)
  assert.is(describeFailure(rpcError(409, 'conflict')).code, 1)
  assert.is(describeFailure(rpcError(500, 'oops')).code, 1)
})

test('a fold refusal reaches the CLI with the exit code of its kind, through the status on the wire', () => {
  // the node replies with the refusal's status and reason; the client rebuilds the error from them
  const overTheWire = (r: Refusal): Error => {
    const sent = refusalError(r)
    return rpcError(sent.status, sent.message, 'addusermsg')
  }
  const denied = describeFailure(overTheWire(forbidden('only the colony owner may add users')), { keySetting: 'COLONIES_COLONY_PRVKEY', keyRole: "the colony owner's key" })
  assert.is(denied.code, 4)
  assert.is(denied.message, "Access denied: only the colony owner may add users (the request was signed with COLONIES_COLONY_PRVKEY; check that it holds the colony owner's key).")
  assert.is(describeFailure(overTheWire(notFound('user "bob" does not exist'))).code, 5)
  assert.is(describeFailure(overTheWire(conflict('a user named "bob" already exists in the colony'))).code, 2)
  assert.is(describeFailure(overTheWire(invalid('not a colony-level record'))).code, 2)
})

test('403 → 4, naming the variable that held the key and whose key it must be', () => {
  const f = describeFailure(named('ForbiddenError', 'not the colony owner', { status: 403 }), { keySetting: 'COLONIES_COLONY_PRVKEY', keyRole: "the colony owner's key" })
  assert.is(f.code, 4)
  assert.is(f.message, "Access denied: not the colony owner (the request was signed with COLONIES_COLONY_PRVKEY; check that it holds the colony owner's key).")
  const g = describeFailure(new ForbiddenError('nope'))
  assert.is(g.code, 4)
  assert.ok(g.message.includes('COLONIES_PRVKEY / COLONIES_COLONY_PRVKEY'), g.message)
  assert.is(describeFailure(named('RpcError', 'denied', { status: 403 })).code, 4)
})

test('404 → 5; an unknown colony mentions COLONIES_COLONY_NAME', () => {
  const f = describeFailure(new NotFoundError('colony prod not found'), { colonyName: 'prod' })
  assert.is(f.code, 5)
  assert.ok(f.message.includes('COLONIES_COLONY_NAME is "prod"'), f.message)
  assert.is(describeFailure(named('RpcError', 'process not found', { status: 404 }), { colonyName: 'dev' }).message, 'Not found: process not found.')
})

test('usage problems → 2: missing settings, invalid specs, 400 replies, oclif parse errors', () => {
  assert.is(describeFailure(new MissingSettingError('COLONIES_PRVKEY', 'private key')).code, 2)
  const spec = describeFailure(new SpecFileError('s.json', 'spec.conditions.executortype', 'is required'))
  assert.is(spec.code, 2)
  assert.is(spec.message, 's.json: invalid spec.conditions.executortype: is required')
  assert.is(describeFailure(new ValidationError('spec.priority', 'out of range')).code, 2)
  assert.is(describeFailure(named('BadRequestError', 'bad', { status: 400 })).code, 2)
  assert.is(describeFailure(Object.assign(new Error('Missing required flag name'), { oclif: { exit: 2 } })).code, 2)
})

test('anything else → 1 with its message, never a stack', () => {
  const f = describeFailure(new Error('boom'))
  assert.equal(f, { code: 1, message: 'boom' })
  assert.is(describeFailure(named('RpcError', 'already closed', { status: 409 })).code, 1)
  assert.is(describeFailure('a string').code, 1)
})

test("a node message that already says \"Access denied\" is not repeated", () => {
  const f = describeFailure(new ForbiddenError('Access denied, not a member of colony "dev"'), { keySetting: 'COLONIES_PRVKEY', keyRole: 'a member key' })
  assert.ok(f.message.startsWith('Access denied: not a member of colony "dev" ('), f.message)
})

test("oclif's multi-line parse errors become one line", () => {
  const err = Object.assign(new Error('The following error occurred:\n  Missing required flag name\nSee more help with --help'), { oclif: { exit: 2 } })
  assert.equal(describeFailure(err), { code: 2, message: 'Missing required flag name (see --help)' })
  const arg = Object.assign(new Error('Missing 1 required arg:\ndir  The directory\nSee more help with --help'), { oclif: { exit: 2 } })
  assert.equal(describeFailure(arg), { code: 2, message: 'Missing 1 required arg: dir  The directory (see --help)' })
})

test('a failed process or a wait that ran out → 1 with its own line', () => {
  assert.equal(describeFailure(new ProcessEndedError('process p failed: exit code 1')), { code: 1, message: 'process p failed: exit code 1' })
  assert.is(describeFailure(new WaitTimeoutError('did not end within 1 s')).code, 1)
})

test.run()
