/** "key=value" (--env) and "key:value" (--kwargs) flag values, as upstream's CLI takes them. */
import { UsageError } from './errors.js'

export function parsePairs (items: readonly string[], sep: '=' | ':', flag: string): Array<[string, string]> {
  return items.map(item => {
    const i = item.indexOf(sep)
    if (i <= 0) throw new UsageError(`--${flag} takes key${sep}value pairs, got "${item}"`)
    return [item.slice(0, i), item.slice(i + 1)]
  })
}
