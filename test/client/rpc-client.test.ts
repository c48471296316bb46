import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { within } from '../helpers/deadline.js'
import { ColoniesClient, serverUrlFromEnv } from '../../src/client/rpc-client.js'
import { BadRequestError, ForbiddenError, NodeUnreachableError, NotFoundError, RpcError } from '../../src/client/errors.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { ValidationError } from '../../src/protocol/errors.js'
import { makeProcess, startFakeNode, type FakeNode } from './fake-node.js'
import { rejects } from '../helpers/rejects.js'

const KEY = generatePrivateKey()
const ID = idFromPrivateKey(KEY)

async function withNode (fn: (node: FakeNode, client: ColoniesClient) => Promise<void>): Promise<void> {
  const node = await startFakeNode()
  try {
    await fn(node, new ColoniesClient({ url: node.url, prvkey: KEY, timeoutMs: 2000 }))
  } finally {
    await node.close()
  }
}

/** A port nothing listens on: bind, read the port, close. */
async function deadPort (): Promise<number> {
  const s = createServer()
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as AddressInfo
  await new Promise<void>(resolve => s.close(() => resolve()))
  return port
}

test('a request is an envelope signed by the client key, carrying the message', async () => {
  await withNode(async (node, client) => {
    node.on('getcolonymsg', () => ({ value: { colonyid: ID, name: 'dev' } }))
    assert.is(client.id, ID)
    const colony = await client.getColony('dev')
    assert.equal(colony, { colonyid: ID, name: 'dev' })
    const call = await node.next('getcolonymsg')
    assert.is(call.signer, ID)
    assert.equal(call.msg, { msgtype: 'getcolonymsg', colonyname: 'dev' })
  })
})

test('withKey gives the same node under another identity', async () => {
  await withNode(async (node, client) => {
    node.on('approveexecutormsg', () => ({ value: {} }))
    const ownerKey = generatePrivateKey()
    const owner = client.withKey(ownerKey)
    assert.is(owner.url, client.url)
    await owner.approveExecutor('dev', 'worker')
    const call = await node.next('approveexecutormsg')
    assert.is(call.signer, idFromPrivateKey(ownerKey))
    assert.equal(call.msg, { msgtype: 'approveexecutormsg', colonyname: 'dev', executorname: 'worker' })
  })
})

test('version is sent (signed) and read from the versionmsg reply', async () => {
  await withNode(async (node, client) => {
    node.on('versionmsg', () => ({ value: { msgtype: 'versionmsg', buildversion: 'v1.9.12', buildtime: '2024' } }))
    assert.equal(await client.version(), { buildversion: 'v1.9.12', buildtime: '2024' })
    assert.is((await node.next('versionmsg')).signer, ID)
  })
})

test('lists: Go null becomes [], and filters travel with their upstream names', async () => {
  await withNode(async (node, client) => {
    node.on('getcoloniesmsg', () => ({ value: null }))
    node.on('getprocessesmsg', () => ({ value: [makeProcess({ state: 1 })] }))
    assert.equal(await client.getColonies(), [])
    const ps = await client.getRunningProcesses('dev', { executortype: 'cli', count: 5 })
    assert.is(ps.length, 1)
    assert.equal((await node.next('getprocessesmsg')).msg, {
      msgtype: 'getprocessesmsg', colonyname: 'dev', count: 5, state: 1, executortype: 'cli', label: '', initiator: ''
    })
  })
})

test('submitFunctionSpec sends the spec with upstream defaults filled in', async () => {
  await withNode(async (node, client) => {
    const p = makeProcess()
    node.on('submitfuncspecmsg', () => ({ value: p }))
    const got = await client.submitFunctionSpec({ funcname: 'echo', args: ['hi'], conditions: { colonyname: 'dev', executortype: 'cli' } })
    assert.is(got.processid, p.processid)
    const spec = (await node.next('submitfuncspecmsg')).msg.spec as Record<string, any>
    assert.is(spec.funcname, 'echo')
    assert.equal(spec.args, ['hi'])
    assert.is(spec.maxexectime, -1)
    assert.is(spec.maxretries, 0)
    assert.is(spec.conditions.executortype, 'cli')
    assert.not.ok('locationname' in spec.conditions) // omitempty, as upstream writes it
  })
})

test('a bad argument fails before anything is sent, naming the field', async () => {
  await withNode(async (node, client) => {
    const err = await rejects(client.assign('dev', 0))
    assert.instance(err, ValidationError)
    assert.is((err as ValidationError).field, 'timeout')
    const err2 = await rejects(client.submitFunctionSpec({ funcname: 'x', conditions: { colonyname: 'dev', executortype: '' } }))
    assert.is((err2 as ValidationError).field, 'spec.conditions.executortype')
    assert.is(node.calls.length, 0)
  })
})

test('error replies become typed errors by status, with the node message', async () => {
  await withNode(async (node, client) => {
    node.on('getprocessmsg', ({ msg }) => {
      const id = msg.processid as string
      if (id.startsWith('4')) return { status: 403, error: 'Access denied, not a member of colony dev' }
      if (id.startsWith('5')) return { status: 404, error: 'process not found' }
      if (id.startsWith('6')) return { status: 400, error: 'bad thing' }
      return { status: 500, error: 'database on fire' }
    })
    const e403 = await rejects(client.getProcess('4'.repeat(64)))
    assert.instance(e403, ForbiddenError)
    assert.is(e403.name, 'ForbiddenError')
    assert.is((e403 as RpcError).status, 403)
    assert.is(e403.message, 'Access denied, not a member of colony dev')
    assert.is((e403 as RpcError).msgtype, 'getprocessmsg')
    const e404 = await rejects(client.getProcess('5'.repeat(64)))
    assert.is(e404.name, 'NotFoundError')
    assert.instance(e404, NotFoundError)
    const e400 = await rejects(client.getProcess('6'.repeat(64)))
    assert.is(e400.name, 'BadRequestError')
    assert.instance(e400, BadRequestError)
    const e500 = await rejects(client.getProcess('7'.repeat(64)))
    assert.is(e500.name, 'RpcError')
    assert.is((e500 as RpcError).status, 500)
  })
})

test('a connection refused names the URL and the settings to check', async () => {
  const port = await deadPort()
  const client = new ColoniesClient({ url: `http://127.0.0.1:${port}`, prvkey: KEY })
  const err = await rejects(client.getColonies())
  assert.instance(err, NodeUnreachableError)
  assert.is(err.name, 'NodeUnreachableError')
  assert.match(err.message, `http://127.0.0.1:${port}`)
  assert.match(err.message, 'connection refused')
  assert.match(err.message, 'COLONIES_SERVER_HOST')
  assert.match(err.message, 'COLONIES_SERVER_PORT')
  assert.match(err.message, 'running')
  assert.instance(await rejects(client.health()), NodeUnreachableError)
})

test('a node that does not answer in time is unreachable too', async () => {
  await withNode(async (node) => {
    node.on('getcoloniesmsg', () => 'hold')
    const client = new ColoniesClient({ url: node.url, prvkey: KEY, timeoutMs: 150 })
    const err = await rejects(client.getColonies())
    assert.instance(err, NodeUnreachableError)
    assert.match(err.message, 'no reply within 150 ms')
  })
})

test('something that is not a ColonyOS reply is reported as such', async () => {
  const s = createServer((_req, res) => { res.writeHead(502).end('<html>bad gateway</html>') })
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  try {
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`
    const err = await rejects(new ColoniesClient({ url, prvkey: KEY }).getColonies())
    assert.instance(err, RpcError)
    assert.is((err as RpcError).status, 502)
    assert.match(err.message, 'not a ColonyOS reply')
  } finally {
    s.closeAllConnections()
    await new Promise<void>(resolve => s.close(() => resolve()))
  }
})

test('assign waits longer than the client timeout: the long-poll time is added', async () => {
  await withNode(async (node) => {
    const p = makeProcess({ state: 1 })
    node.on('assignprocessmsg', async () => {
      await new Promise(resolve => setTimeout(resolve, 400))
      return { value: p }
    })
    const client = new ColoniesClient({ url: node.url, prvkey: KEY, timeoutMs: 100 })
    const got = await client.assign('dev', 1, '1000m', '1Gi')
    assert.is(got.processid, p.processid)
    assert.equal((await node.next('assignprocessmsg')).msg, {
      msgtype: 'assignprocessmsg', colonyname: 'dev', timeout: 1, availablecpu: '1000m', availablemem: '1Gi'
    })
  })
})

test('assign honours its AbortSignal while the node holds the long-poll', async () => {
  await withNode(async (node, client) => {
    node.on('assignprocessmsg', () => 'hold')
    const ctrl = new AbortController()
    const pending = client.assign('dev', 60, '', '', ctrl.signal)
    await node.next('assignprocessmsg')
    ctrl.abort()
    // the node holds the poll for good: only the abort can end it
    const err = await within(10_000, 'the aborted assign to reject', rejects(pending))
    assert.is(err.name, 'AbortError')
    // an already aborted signal sends nothing
    const before = node.calls.length
    assert.is((await rejects(client.assign('dev', 60, '', '', ctrl.signal))).name, 'AbortError')
    assert.is(node.calls.length, before)
  })
})

test('assign with no process in time is a NotFoundError (upstream 404)', async () => {
  await withNode(async (node, client) => {
    node.on('assignprocessmsg', () => ({ status: 404, error: 'No process found' }))
    assert.instance(await rejects(client.assign('dev', 1)), NotFoundError)
  })
})

test('getPauseStatus reads ispaused; removeAllProcesses defaults to every state', async () => {
  await withNode(async (node, client) => {
    node.on('getpausestatusmsg', () => ({ value: { msgtype: 'pausestatusreplymsg', colonyname: 'dev', ispaused: true } }))
    node.on('removeallprocessesmsg', () => ({ value: {} }))
    assert.is(await client.getPauseStatus('dev'), true)
    await client.removeAllProcesses('dev')
    assert.is((await node.next('removeallprocessesmsg')).msg.state, -1)
  })
})

test('getLogs sends upstream field names and defaults', async () => {
  await withNode(async (node, client) => {
    node.on('getlogsmsg', () => ({ value: [{ processid: 'p', colonyname: 'dev', executorname: 'e', message: 'hi\n', timestamp: 1 }] }))
    const logs = await client.getLogs({ colonyname: 'dev', processid: 'a'.repeat(64), count: 10, latest: true })
    assert.is(logs[0]?.message, 'hi\n')
    assert.equal((await node.next('getlogsmsg')).msg, {
      msgtype: 'getlogsmsg', colonyname: 'dev', processid: 'a'.repeat(64), executorname: '', count: 10, since: 0, latest: true
    })
  })
})

test('health returns the body of GET /health and reports a bad status', async () => {
  await withNode(async (node, client) => {
    assert.equal(await client.health(), { status: 'ok' })
    node.health = () => ({ status: 503, body: 'starting' })
    const err = await rejects(client.health())
    assert.instance(err, RpcError)
    assert.is((err as RpcError).status, 503)
  })
})

test('the URL may omit the scheme; a bad key fails at construction', () => {
  assert.is(new ColoniesClient({ url: '127.0.0.1:50080/', prvkey: KEY }).url, 'http://127.0.0.1:50080')
  assert.throws(() => new ColoniesClient({ url: 'http://x', prvkey: 'nope' }), (e: unknown) => e instanceof ValidationError)
  assert.throws(() => new ColoniesClient({ url: 'ftp://x', prvkey: KEY }), (e: unknown) => e instanceof ValidationError)
})

test('serverUrlFromEnv reads COLONIES_SERVER_HOST/PORT/TLS', () => {
  assert.is(serverUrlFromEnv({}), 'http://localhost:50080')
  assert.is(serverUrlFromEnv({ COLONIES_SERVER_HOST: 'node1', COLONIES_SERVER_PORT: '8080', COLONIES_SERVER_TLS: 'true' }), 'https://node1:8080')
})

test.run()
