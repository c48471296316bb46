/** Small pieces the views share. */
import type { ComponentChildren, JSX } from 'preact'
import { useState } from 'preact/hooks'
import { describe } from './live.js'
import { executorState, processState } from './format.js'

export function StateBadge ({ state }: { state: number }): JSX.Element {
  const name = processState(state)
  return <span class={`badge state-${name.toLowerCase()}`} data-state={name}>{name}</span>
}

export function ExecutorBadge ({ state }: { state: number }): JSX.Element {
  const name = executorState(state)
  return <span class={`badge executor-${name.toLowerCase()}`}>{name}</span>
}

export function ErrorMessage ({ error }: { error: string | undefined }): JSX.Element | null {
  if (error === undefined) return null
  return <p class='error' role='alert'>{error}</p>
}

export function Loading ({ what }: { what: string }): JSX.Element {
  return <p class='muted' role='status'>Loading {what}…</p>
}

/** A table that scrolls sideways on a narrow window instead of squeezing its columns. */
export function TableWrap ({ label, children }: { label: string, children: ComponentChildren }): JSX.Element {
  return <div class='table-wrap' role='region' aria-label={label} tabIndex={0}>{children}</div>
}

/**
 * A button whose action needs a second click to confirm (no modal dialog); shows what the
 * node answered when the action fails.
 */
export function ActionButton ({ label, confirm, action, danger = false, onDone }: {
  label: string
  /** the question asked before acting; undefined = act at once */
  confirm?: string
  action: () => Promise<unknown>
  danger?: boolean
  onDone?: () => void
}): JSX.Element {
  const [asking, setAsking] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const act = async (): Promise<void> => {
    setBusy(true)
    setError(undefined)
    try {
      await action()
      setAsking(false)
      onDone?.()
    } catch (err) {
      setError(describe(err))
    } finally {
      setBusy(false)
    }
  }
  const cls = danger ? 'button danger' : 'button'
  return (
    <span class='action'>
      {asking
        ? (
          <span class='confirm' role='group' aria-label={confirm}>
            <span>{confirm}</span>
            <button type='button' class={cls} disabled={busy} onClick={() => { void act() }}>Yes, {label.toLowerCase()}</button>
            <button type='button' class='button secondary' disabled={busy} onClick={() => setAsking(false)}>No</button>
          </span>
          )
        : <button type='button' class={cls} disabled={busy} onClick={() => { if (confirm === undefined) void act(); else setAsking(true) }}>{label}</button>}
      {error !== undefined && <span class='error inline' role='alert'>{error}</span>}
    </span>
  )
}
