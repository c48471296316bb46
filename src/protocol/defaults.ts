/**
 * Defaults a person meets in more than one place (CLI flags, spec files, the dashboard's
 * submit form), kept in one file without imports so the dashboard's bundle can take them.
 */

/**
 * Retries after a process exceeds its maxexectime, when a spec or flag does not say.
 * Upstream disagrees with itself (its CLI's `function exec` says -1 = unlimited, its spec
 * reader and core say 0); we take 0 everywhere: a newcomer's `sleep 100` with a 2 s limit
 * should fail once and say why, not be killed and restarted forever. Ask for retries with
 * maxretries N, or -1 for unlimited.
 */
export const DEFAULT_MAXRETRIES = 0
