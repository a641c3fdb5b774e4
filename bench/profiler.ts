// Preloaded (node --import) into a process the profile measures: SIGWINCH (a signal the service
// does not close on) starts V8's sampling
// profiler, the next SIGWINCH stops it and writes the profile to $PROFILE_FILE. Only the loaded
// window is profiled, not start-up or warm-up.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'

const session = new Session()
session.connect()
let running = false
process.on('SIGWINCH', () => {
  if (!running) {
    running = true
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 250 }, () => session.post('Profiler.start')))
    return
  }
  running = false
  session.post('Profiler.stop', (error, result) => {
    if (error === null) writeFileSync(String(process.env.PROFILE_FILE), JSON.stringify(result.profile))
  })
})
