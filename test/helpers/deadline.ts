/**
 * `p`, or a rejection naming `what` once `ms` have passed: a deadline on an event, far
 * above how long it takes on a loaded machine, so a test that would hang fails instead.
 */
export async function within<T> (ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`timed out after ${ms} ms waiting for ${what}`)) }, ms)
  })
  try {
    return await Promise.race([p, late])
  } finally {
    clearTimeout(timer)
  }
}
