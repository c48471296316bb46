/**
 * Kubernetes-style resource quantities as ColonyOS uses them in `conditions.cpu`,
 * `conditions.mem`, `conditions.storage`, `conditions.gpu.mem` and in
 * `assignprocessmsg.availablecpu` / `availablemem`.
 *
 * Upstream (pkg/parsers) differs on purpose here:
 * - upstream CPU parsing only understands the `m` suffix and silently reads anything else
 *   ("2", "0.5", "abc") as 0, i.e. no request; we read "2" as 2000m and refuse garbage.
 * - upstream memory parsing needs a unit (a bare number is an error), only takes integers,
 *   and (because its suffix search is case-insensitive but its trim is not) refuses "1GB";
 *   we take a bare number as bytes (as Kubernetes does), decimals ("1.5Gi", rounded up to a
 *   whole byte) and the units listed in MEMORY_UNITS, case-sensitively.
 * Units with an `i` are powers of 1024; the others powers of 1000. Upstream's `Mb`/`Gb`/`Tb`
 * mean bytes (not bits) and so do ours.
 */
import { ValidationError } from './errors.js'

const K = 1000n
const KI = 1024n

/** Multipliers in bytes, keyed by the exact suffix. */
const MEMORY_UNITS: ReadonlyMap<string, bigint> = new Map([
  ['', 1n],
  ['k', K], ['K', K], ['KB', K], ['Kb', K], ['kB', K],
  ['M', K ** 2n], ['MB', K ** 2n], ['Mb', K ** 2n],
  ['G', K ** 3n], ['GB', K ** 3n], ['Gb', K ** 3n],
  ['T', K ** 4n], ['TB', K ** 4n], ['Tb', K ** 4n],
  ['P', K ** 5n], ['PB', K ** 5n],
  ['Ki', KI], ['KiB', KI],
  ['Mi', KI ** 2n], ['MiB', KI ** 2n],
  ['Gi', KI ** 3n], ['GiB', KI ** 3n],
  ['Ti', KI ** 4n], ['TiB', KI ** 4n],
  ['Pi', KI ** 5n], ['PiB', KI ** 5n]
])

const MAX = BigInt(Number.MAX_SAFE_INTEGER)

/** `digits[.digits]` then an optional suffix of letters; no sign, no spaces, no exponent. */
const QUANTITY = /^(\d{1,30})(?:\.(\d{1,30}))?([A-Za-z]*)$/

/** value = int.frac * mult, rounded up to a whole unit; exact (BigInt), so "1.001" stays exact. */
function scaled (intPart: string, fracPart: string, mult: bigint): { value: bigint, exact: boolean } {
  const denom = 10n ** BigInt(fracPart.length)
  const num = (BigInt(intPart) * denom + BigInt(fracPart === '' ? '0' : fracPart)) * mult
  const q = num / denom
  const exact = q * denom === num
  return { value: exact ? q : q + 1n, exact }
}

/**
 * CPU quantity in millicores: "" → 0 (no request), "250m" → 250, "2" → 2000, "0.5" → 500.
 * Finer than 1m ("0.0005", "1.5m") is refused rather than rounded.
 */
export function parseCpu (s: string, field = 'cpu'): number {
  if (typeof s !== 'string') throw new ValidationError(field, 'must be a string')
  if (s === '') return 0
  const m = QUANTITY.exec(s)
  const bad = (): ValidationError => new ValidationError(field, `invalid CPU quantity "${s.slice(0, 40)}" (use e.g. "500m" or "2")`)
  if (m === null) throw bad()
  const [, intPart = '', fracPart = '', unit = ''] = m
  let mult: bigint
  if (unit === 'm') mult = 1n
  else if (unit === '') mult = 1000n
  else throw bad()
  const { value, exact } = scaled(intPart, fracPart, mult)
  if (!exact) throw new ValidationError(field, `CPU quantity "${s}" is finer than 1m`)
  if (value > MAX) throw new ValidationError(field, `CPU quantity "${s.slice(0, 40)}" is too large`)
  return Number(value)
}

/**
 * Memory/storage quantity in bytes: "" → 0 (no request), "500Mi" → 524288000, "1G" → 1e9,
 * "1024" → 1024. A lowercase `m` (Kubernetes' milli) is refused: as memory it is almost
 * always a typo for `M`/`Mi`.
 */
export function parseMemory (s: string, field = 'mem'): number {
  if (typeof s !== 'string') throw new ValidationError(field, 'must be a string')
  if (s === '') return 0
  const m = QUANTITY.exec(s)
  const bad = (): ValidationError => new ValidationError(field, `invalid memory quantity "${s.slice(0, 40)}" (use e.g. "500Mi", "4Gi" or "1G")`)
  if (m === null) throw bad()
  const [, intPart = '', fracPart = '', unit = ''] = m
  const mult = MEMORY_UNITS.get(unit)
  if (mult === undefined) throw bad()
  const { value } = scaled(intPart, fracPart, mult)
  if (value > MAX) throw new ValidationError(field, `memory quantity "${s.slice(0, 40)}" is too large`)
  return Number(value)
}

/** Canonical text for millicores, the form upstream writes back ("1500m"). */
export function formatCpu (millicores: number): string {
  return `${millicores}m`
}
