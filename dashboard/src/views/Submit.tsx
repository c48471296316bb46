/**
 * Submit a function spec from a form (or as JSON), signed with the session's key; the
 * node validates it and names the field that is wrong.
 */
import type { JSX } from 'preact'
import { useMemo, useState } from 'preact/hooks'
import { DEFAULT_MAXRETRIES } from '../../../src/protocol/defaults.js'
import { ErrorMessage } from '../components.js'
import { describe, useApp, useLive } from '../live.js'
import { navigate } from '../router.js'

interface Form {
  funcname: string
  executortype: string
  args: string
  label: string
  priority: string
  maxwaittime: string
  maxexectime: string
  maxretries: string
  executornames: string
}

const EMPTY: Form = { funcname: '', executortype: '', args: '', label: '', priority: '', maxwaittime: '', maxexectime: '', maxretries: '', executornames: '' }

class FormError extends Error {}

function int (text: string, field: string): number | undefined {
  const t = text.trim()
  if (t === '') return undefined
  if (!/^-?\d+$/.test(t)) throw new FormError(`${field} must be a whole number`)
  return Number(t)
}

function specOf (f: Form, colony: string): Record<string, unknown> {
  if (f.funcname.trim() === '') throw new FormError('Function name is required')
  if (f.executortype.trim() === '') throw new FormError('Executor type is required')
  const spec: Record<string, unknown> = { funcname: f.funcname.trim() }
  const args = f.args.split('\n').map(a => a.trim()).filter(a => a !== '')
  if (args.length > 0) spec.args = args
  if (f.label.trim() !== '') spec.label = f.label.trim()
  const nums: Array<[keyof Form, string]> = [['priority', 'Priority'], ['maxwaittime', 'Max wait time'], ['maxexectime', 'Max execution time'], ['maxretries', 'Max retries']]
  for (const [k, name] of nums) {
    const v = int(f[k], name)
    if (v !== undefined) spec[k] = v
  }
  // said outright, so the form, the CLI and spec files cannot drift apart
  spec.maxretries ??= DEFAULT_MAXRETRIES
  const names = f.executornames.split(',').map(n => n.trim()).filter(n => n !== '')
  spec.conditions = { colonyname: colony, executortype: f.executortype.trim(), ...(names.length > 0 ? { executornames: names } : {}) }
  return spec
}

function Field ({ id, label, hint, children }: { id: string, label: string, hint?: string, children: JSX.Element }): JSX.Element {
  return (
    <div class='field'>
      <label for={id}>{label}</label>
      {children}
      {hint !== undefined && <small id={`${id}-hint`} class='muted'>{hint}</small>}
    </div>
  )
}

export function Submit (): JSX.Element {
  const { session } = useApp()
  const [f, setF] = useState<Form>(EMPTY)
  const [asJson, setAsJson] = useState(false)
  const [jsonText, setJsonText] = useState('')
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const executors = useLive(async () => await session.api.executors(), [], { affects: fr => fr.colonylevel, minIntervalMs: 2000 })
  const types = useMemo(() => [...new Set((executors.data ?? []).map(x => x.executortype))].sort(), [executors.data])
  const set = (k: keyof Form) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value })

  const toJson = (): void => {
    let spec: Record<string, unknown>
    try {
      spec = specOf(f, session.colony)
    } catch {
      spec = { funcname: f.funcname, conditions: { colonyname: session.colony, executortype: f.executortype } }
    }
    setJsonText(JSON.stringify(spec, null, 2))
    setAsJson(true)
  }

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    setError(undefined)
    let spec: Record<string, unknown>
    try {
      if (asJson) {
        try {
          spec = JSON.parse(jsonText) as Record<string, unknown>
        } catch {
          throw new FormError('The spec is not valid JSON')
        }
        if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new FormError('The spec must be a JSON object')
      } else {
        spec = specOf(f, session.colony)
      }
    } catch (err) {
      setError(err instanceof FormError ? err.message : describe(err))
      return
    }
    setBusy(true)
    try {
      const p = await session.api.submit(spec)
      navigate(`process/${p.processid}`)
    } catch (err) {
      setError(describe(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div>
      <h1>Submit a function</h1>
      <p class='muted'>The spec is signed in this page with your key and submitted to colony {session.colony}; an executor of the type you name runs it.</p>
      {session.role === 'owner' && (
        <p class='note' role='note'>You are signed in with the colony owner's key. ColonyOS lets only members (users and approved executors) submit: sign in with a user's key to submit.</p>
      )}
      <form class='submit-form' aria-label='Function spec' onSubmit={e => { void submit(e) }} noValidate>
        {asJson
          ? (
            <Field id='spec-json' label='Function spec (JSON)' hint='ColonyOS function spec: funcname, args, kwargs, priority, maxwaittime, maxexectime, maxretries, label, conditions …'>
              <textarea id='spec-json' rows={14} class='mono' value={jsonText} onInput={e => setJsonText((e.target as HTMLTextAreaElement).value)} aria-describedby='spec-json-hint' />
            </Field>
            )
          : (
            <>
              <Field id='f-funcname' label='Function name (required)' hint='What the executor runs, e.g. "echo" for the cli executor'>
                <input id='f-funcname' type='text' required value={f.funcname} onInput={set('funcname')} aria-describedby='f-funcname-hint' />
              </Field>
              <Field id='f-type' label='Executor type (required)'>
                <>
                  <input id='f-type' type='text' required list='executor-types' value={f.executortype} onInput={set('executortype')} />
                  <datalist id='executor-types'>{types.map(t => <option key={t} value={t} />)}</datalist>
                </>
              </Field>
              <Field id='f-args' label='Arguments' hint='One per line'>
                <textarea id='f-args' rows={3} value={f.args} onInput={set('args')} aria-describedby='f-args-hint' />
              </Field>
              <div class='row'>
                <Field id='f-label' label='Label'><input id='f-label' type='text' value={f.label} onInput={set('label')} /></Field>
                <Field id='f-priority' label='Priority'><input id='f-priority' type='number' inputMode='numeric' value={f.priority} onInput={set('priority')} placeholder='0' /></Field>
              </div>
              <div class='row'>
                <Field id='f-maxwait' label='Max wait time (s)'><input id='f-maxwait' type='number' inputMode='numeric' value={f.maxwaittime} onInput={set('maxwaittime')} placeholder='no limit' /></Field>
                <Field id='f-maxexec' label='Max execution time (s)'><input id='f-maxexec' type='number' inputMode='numeric' value={f.maxexectime} onInput={set('maxexectime')} placeholder='no limit' /></Field>
                <Field id='f-retries' label='Max retries'><input id='f-retries' type='number' inputMode='numeric' value={f.maxretries} onInput={set('maxretries')} placeholder={String(DEFAULT_MAXRETRIES)} /></Field>
              </div>
              <Field id='f-names' label='Only executors named' hint='Comma-separated; empty = any executor of the type'>
                <input id='f-names' type='text' value={f.executornames} onInput={set('executornames')} aria-describedby='f-names-hint' />
              </Field>
            </>
            )}
        <ErrorMessage error={error} />
        <div class='actions'>
          <button type='submit' class='button' disabled={busy}>{busy ? 'Submitting…' : 'Submit'}</button>
          {asJson
            ? <button type='button' class='button secondary' onClick={() => setAsJson(false)}>Back to the form</button>
            : <button type='button' class='button secondary' onClick={toJson}>Edit as JSON</button>}
        </div>
      </form>
    </div>
  )
}
