/**
 * Hash routes (#/processes?state=1), so the node serves one page at `/` and a reload or a
 * shared link opens the same view.
 */
import { useEffect, useState } from 'preact/hooks'

export interface Route {
  /** path segments: ['process', '<id>'] */
  readonly parts: string[]
  readonly query: URLSearchParams
}

export function parseHash (hash: string): Route {
  const text = hash.replace(/^#\/?/, '')
  const [path = '', q = ''] = text.split('?', 2)
  return { parts: path.split('/').filter(p => p !== '').map(decodeURIComponent), query: new URLSearchParams(q) }
}

export function href (path: string, query?: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') q.set(k, String(v))
  const qs = q.toString()
  return `#/${path}${qs === '' ? '' : `?${qs}`}`
}

export function navigate (path: string, query?: Record<string, string | number | undefined>): void {
  location.hash = href(path, query)
}

export function useRoute (): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash))
  useEffect(() => {
    const on = (): void => setRoute(parseHash(location.hash))
    addEventListener('hashchange', on)
    return () => removeEventListener('hashchange', on)
  }, [])
  return route
}
