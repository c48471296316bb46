/**
 * The store's writes, one at a time in call order: appends, ingests, releases of held
 * records and projection chunks all take their turn here, so the fold never sees a
 * record the disk does not hold and projections follow the records that caused them.
 */
export class WriteChain {
  private tail: Promise<unknown> = Promise.resolve()

  /** Runs `fn` after every write queued before it; a failure does not stop later ones. */
  run<T> (fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn)
    this.tail = p.catch(() => {})
    return p
  }

  /** Resolves once every write queued so far has ended (whatever its outcome). */
  async idle (): Promise<void> {
    await this.tail
  }
}
