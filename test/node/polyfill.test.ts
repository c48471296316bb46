import { test } from 'uvu'
import * as assert from 'uvu/assert'
import '../../src/node/index.js'

test('the node layer provides Promise.withResolvers (libp2p 3 needs it on Node 20)', async () => {
  const withResolvers = Promise.withResolvers
  assert.type(withResolvers, 'function')
  const { promise, resolve } = (withResolvers as NonNullable<typeof withResolvers>).call(Promise) as { promise: Promise<number>, resolve: (v: number) => void }
  resolve(7)
  assert.is(await promise, 7)
})

test.run()
