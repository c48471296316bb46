/** The error `p` rejects with; throws when it resolves. */
export async function rejects (p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}
