import { test } from 'uvu'
import * as assert from 'uvu/assert'
import '../../src/node/index.js'

test('the node layer provides Promise.withResolvers (libp2p 3 needs it on Node 20)', async () => {
  const { promise, resolve } = Promise.withResolvers<number>()
  resolve(7)
  assert.is(await promise, 7)
})

test.run()
