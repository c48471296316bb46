/**
 * What every view shares: the signed-in session and the colony's change stream, and
 * `useLive`, which loads a view's data and loads it again when the stream says something
 * it shows has changed (throttled, one load at a time, the newest result wins).
 */
import { createContext } from 'preact'
import { useContext, useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from './api.js'
import type { Session } from './session.js'
import type { ChangeFrame, ChangeStream } from './stream.js'

export interface AppContext {
  readonly session: Session
  readonly stream: ChangeStream
}

export const Ctx = createContext<AppContext | null>(null)

export function useApp (): AppContext {
  const c = useContext(Ctx)
  if (c === null) throw new Error('useApp outside a signed-in page')
  return c
}

/** One line for the user: the node's message, or what failed without a stack. */
export function describe (err: unknown): string {
  if (err instanceof ApiError) return err.message
  if (err instanceof Error) return `Something went wrong in the page: ${err.message}`
  return 'Something went wrong in the page'
}

export interface Live<T> {
  readonly data: T | undefined
  readonly error: string | undefined
  readonly reload: () => void
}

export interface LiveOptions {
  /** does this frame touch what the view shows? (default: any frame) */
  readonly affects?: (f: ChangeFrame) => boolean
  /** at most one load per this many ms while changes keep coming (default 250) */
  readonly minIntervalMs?: number
}

export function useLive<T> (load: () => Promise<T>, deps: unknown[], opts: LiveOptions = {}): Live<T> {
  const { stream } = useApp()
  const [state, setState] = useState<{ data: T | undefined, error: string | undefined }>({ data: undefined, error: undefined })
  const loadRef = useRef(load)
  loadRef.current = load
  const optsRef = useRef(opts)
  optsRef.current = opts
  const ctl = useRef({ gen: 0, inflight: false, dirty: false, last: 0, timer: undefined as ReturnType<typeof setTimeout> | undefined })

  const run = (): void => {
    const c = ctl.current
    if (c.inflight) {
      c.dirty = true
      return
    }
    c.inflight = true
    c.last = Date.now()
    const gen = c.gen
    loadRef.current().then(
      data => { if (gen === ctl.current.gen) setState({ data, error: undefined }) },
      err => { if (gen === ctl.current.gen) setState(s => ({ data: s.data, error: describe(err) })) }
    ).finally(() => {
      // a load for an earlier view (its deps changed meanwhile) no longer holds the slot
      if (gen !== ctl.current.gen) return
      c.inflight = false
      if (c.dirty) {
        c.dirty = false
        schedule()
      }
    })
  }

  const schedule = (): void => {
    const c = ctl.current
    if (c.timer !== undefined) return
    const wait = Math.max(0, c.last + (optsRef.current.minIntervalMs ?? 250) - Date.now())
    c.timer = setTimeout(() => {
      c.timer = undefined
      run()
    }, wait)
  }

  useEffect(() => {
    const c = ctl.current
    c.gen++
    c.inflight = false
    c.dirty = false
    clearTimeout(c.timer)
    c.timer = undefined
    setState({ data: undefined, error: undefined })
    run()
    const off = stream.on(f => {
      const affects = optsRef.current.affects
      if (f.reset || affects === undefined || affects(f)) schedule()
    })
    return () => {
      off()
      clearTimeout(c.timer)
      c.timer = undefined
      c.gen++
    }
  }, deps)

  return { data: state.data, error: state.error, reload: run }
}
