/**
 * Long-running commands (node start, dev, executor start) run until Ctrl-C or SIGTERM,
 * then shut down cleanly. A second signal while shutting down exits at once.
 */
export async function untilSignalled (onSecond: () => void = () => process.exit(130)): Promise<NodeJS.Signals> {
  return await new Promise(resolve => {
    const first = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', first)
      process.off('SIGTERM', first)
      process.once('SIGINT', onSecond)
      process.once('SIGTERM', onSecond)
      resolve(sig)
    }
    process.on('SIGINT', first)
    process.on('SIGTERM', first)
  })
}
