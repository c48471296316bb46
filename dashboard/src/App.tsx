/** The page: sign-in, then the colony's views under one header and navigation. */
import { Component, type ComponentChildren, type JSX } from 'preact'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { Api } from './api.js'
import { shortId } from './format.js'
import { Ctx } from './live.js'
import { href, type Route, useRoute } from './router.js'
import { lastColony, resume, type Session, signIn, signOut } from './session.js'
import { ChangeStream, type StreamStatus } from './stream.js'
import { Executors } from './views/Executors.js'
import { Overview } from './views/Overview.js'
import { Process } from './views/Process.js'
import { Processes } from './views/Processes.js'
import { Schedules } from './views/Schedules.js'
import { Sites } from './views/Sites.js'
import { Submit } from './views/Submit.js'
import { Workflow, Workflows } from './views/Workflows.js'

function SignIn ({ onSession }: { onSession: (s: Session) => void }): JSX.Element {
  const [colony, setColony] = useState(lastColony())
  const [key, setKey] = useState('')
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  // a node that holds one colony names it in its /health: filled in unless something is typed or remembered
  useEffect(() => {
    const ctl = new AbortController()
    new Api('', '').health(ctl.signal)
      .then(h => { if (typeof h.colony === 'string') setColony(c => c === '' ? h.colony ?? '' : c) })
      .catch(() => {})
    return () => ctl.abort()
  }, [])
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const s = await signIn(key, colony)
      setKey('')
      onSession(s)
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Signing in failed')
    } finally {
      setBusy(false)
    }
  }
  return (
    <main class='signin'>
      <h1>colonynet</h1>
      <p>Sign in to watch and act on a colony served by this node.</p>
      <form aria-label='Sign in' onSubmit={e => { void submit(e) }} noValidate>
        <div class='field'>
          <label for='colony'>Colony</label>
          <input id='colony' name='colony' type='text' autoComplete='off' required value={colony} onInput={e => setColony((e.target as HTMLInputElement).value)} />
        </div>
        <div class='field'>
          <label for='prvkey'>Private key</label>
          <input id='prvkey' name='prvkey' type='password' autoComplete='off' spellcheck={false} required value={key}
            onInput={e => setKey((e.target as HTMLInputElement).value)} aria-describedby='prvkey-hint'
          />
          <small id='prvkey-hint' class='muted'>
            A user's, an approved executor's or the colony owner's key (COLONIES_PRVKEY). It stays in this browser tab: requests are signed here,
            only signatures reach the node, and the key is forgotten when the tab closes.
          </small>
        </div>
        {error !== undefined && <p class='error' role='alert' data-testid='signin-error'>{error}</p>}
        <button type='submit' class='button' disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  )
}

class Boundary extends Component<{ children: ComponentChildren, resetKey: string }, { error: string | undefined, key: string }> {
  override state = { error: undefined as string | undefined, key: '' }
  static override getDerivedStateFromProps (props: { resetKey: string }, state: { key: string }): object | null {
    return props.resetKey === state.key ? null : { error: undefined, key: props.resetKey }
  }

  override componentDidCatch (err: unknown): void {
    this.setState({ error: err instanceof Error ? err.message : String(err) })
  }

  override render (): ComponentChildren {
    if (this.state.error !== undefined) {
      return <p class='error' role='alert'>This view failed: {this.state.error}. <a href={href('')}>Back to the overview</a></p>
    }
    return this.props.children
  }
}

function View ({ route }: { route: Route }): JSX.Element {
  const [first = '', second = ''] = route.parts
  switch (first) {
    case '': return <Overview />
    case 'processes': return <Processes route={route} />
    case 'process': return <Process id={second} />
    case 'workflows': return <Workflows route={route} />
    case 'workflow': return <Workflow id={second} />
    case 'executors': return <Executors />
    case 'sites': return <Sites />
    case 'schedules': return <Schedules />
    case 'submit': return <Submit />
    default: return <p role='alert'>There is no page here. <a href={href('')}>Go to the overview</a></p>
  }
}

const NAV: Array<[string, string]> = [
  ['', 'Overview'], ['processes', 'Processes'], ['workflows', 'Workflows'], ['executors', 'Executors'],
  ['sites', 'Sites'], ['schedules', 'Cron & generators'], ['submit', 'Submit']
]

function LiveStatus ({ stream }: { stream: ChangeStream }): JSX.Element {
  const [s, setS] = useState<StreamStatus>(stream.status)
  useEffect(() => {
    setS(stream.status) // it may have changed between the render and this effect
    return stream.onStatus(setS)
  }, [stream])
  const text = s.state === 'live' ? 'Live' : s.state === 'connecting' ? 'Connecting…' : `Offline: ${s.reason}`
  return <span class={`live live-${s.state}`} role='status' data-testid='live-status'>{text}</span>
}

function Shell ({ session, onSignOut }: { session: Session, onSignOut: () => void }): JSX.Element {
  const route = useRoute()
  const stream = useMemo(() => new ChangeStream(session.api.prvkey, session.colony), [session])
  useEffect(() => () => stream.close(), [stream])
  const current = route.parts[0] ?? ''
  const section = current === 'process' ? 'processes' : current === 'workflow' ? 'workflows' : current
  return (
    <Ctx.Provider value={{ session, stream }}>
      <header class='top'>
        <a class='brand' href={href('')}>colonynet</a>
        <span class='who'>
          Colony <strong>{session.colony}</strong> · {session.role === 'owner' ? 'owner' : 'member'} <span class='mono' title={session.id}>{shortId(session.id)}</span>
        </span>
        <LiveStatus stream={stream} />
        <button type='button' class='button secondary' onClick={onSignOut}>Sign out</button>
      </header>
      <nav class='main-nav' aria-label='Views'>
        <ul>
          {NAV.map(([path, label]) => (
            <li key={path}><a href={href(path)} aria-current={section === path ? 'page' : undefined}>{label}</a></li>
          ))}
        </ul>
      </nav>
      <main class='content'>
        <Boundary resetKey={route.parts.join('/')}>
          <View route={route} />
        </Boundary>
      </main>
    </Ctx.Provider>
  )
}

export function App (): JSX.Element {
  const [session, setSession] = useState<Session | undefined | 'resuming'>('resuming')
  useEffect(() => {
    void resume().then(setSession)
  }, [])
  if (session === 'resuming') return <p class='muted' role='status'>Loading…</p>
  if (session === undefined) return <SignIn onSession={setSession} />
  return <Shell session={session} onSignOut={() => { signOut(); setSession(undefined) }} />
}
