import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { formatCpu, parseCpu, parseMemory } from '../../src/protocol/quantity.js'

function refused (fn: () => unknown, field: string): void {
  try {
    fn()
  } catch (err) {
    const e = err as { name?: string, field?: string }
    assert.is(e.name, 'ValidationError')
    assert.is(e.field, field)
    return
  }
  assert.unreachable('expected a ValidationError')
}

test('cpu: millicores table', () => {
  const table: Array<[string, number]> = [
    ['', 0],
    ['0', 0],
    ['0m', 0],
    ['1m', 1],
    ['250m', 250],
    ['1000m', 1000],
    ['1', 1000],
    ['2', 2000],
    ['0.5', 500],
    ['0.25', 250],
    ['1.001', 1001], // exact, not 1000.999… as a float product would give
    ['1.500', 1500],
    ['64', 64000]
  ]
  for (const [s, want] of table) assert.is(parseCpu(s), want, s)
})

test('cpu: garbage is refused with the given field', () => {
  for (const s of ['abc', '2 ', ' 2', '-1', '+1', '1.5m', '0.0005', '1e3', '2Gi', '2M', 'm', '.5', '1.', '1,5', '0x10']) {
    refused(() => parseCpu(s, 'spec.conditions.cpu'), 'spec.conditions.cpu')
  }
  refused(() => parseCpu('999999999999999999999'), 'cpu')
  refused(() => parseCpu(42 as unknown as string, 'x'), 'x')
})

test('memory: bytes table', () => {
  const table: Array<[string, number]> = [
    ['', 0],
    ['0', 0],
    ['1024', 1024],
    ['1k', 1000],
    ['1K', 1000],
    ['1KB', 1000],
    ['1Kb', 1000],
    ['1Ki', 1024],
    ['1KiB', 1024],
    ['500Mi', 500 * 1024 * 1024],
    ['500MiB', 500 * 1024 * 1024],
    ['1M', 1e6],
    ['1MB', 1e6],
    ['1Mb', 1e6],
    ['4Gi', 4 * 1024 ** 3],
    ['4GiB', 4 * 1024 ** 3],
    ['1G', 1e9],
    ['1GB', 1e9],
    ['1Gb', 1e9],
    ['2T', 2e12],
    ['2TB', 2e12],
    ['1Ti', 1024 ** 4],
    ['1TiB', 1024 ** 4],
    ['1P', 1e15],
    ['1Pi', 1024 ** 5],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['0.5Ki', 512],
    ['0.1', 1], // rounded up to a whole byte
    ['1.0001K', 1001]
  ]
  for (const [s, want] of table) assert.is(parseMemory(s), want, s)
})

test('memory: garbage is refused with the given field', () => {
  for (const s of ['abc', '4gi', '4 Gi', '-1Gi', '500m', '1.5.2G', 'Gi', '1Xi', '1e9', '1iB', '4GIB']) {
    refused(() => parseMemory(s, 'spec.conditions.mem'), 'spec.conditions.mem')
  }
  refused(() => parseMemory('9999Pi'), 'mem')
  refused(() => parseMemory(null as unknown as string, 'm'), 'm')
})

test('formatCpu writes millicores', () => {
  assert.is(formatCpu(1500), '1500m')
  assert.is(parseCpu(formatCpu(1500)), 1500)
})

test.run()
