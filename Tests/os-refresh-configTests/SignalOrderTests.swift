import Foundation
import TestSupport
import Testing

/// Several termination signals in a row: the first decides how the refresh
/// ends, as the reference dies of the first SIGTERM.
@Suite struct SignalOrderTests {
  /// SIGTERM during a script, then SIGHUP again and again until the refresh
  /// is gone, over its run's end and after: every time it exits 143 (128 +
  /// SIGTERM), never killed by a SIGHUP that came after its run.
  @Test func theFirstTerminationSignalDecidesTheExitStatus() {
    let fixture = HistoryFixture()
    fixture.base.script("configure.d/10-wait", "touch \(fixture.scratch.url("started")); sleep 30")
    for attempt in 1...5 {
      unlink(fixture.scratch.url("started"))
      let refresh = fixture.startRefresh()
      #expect(waitUntil(seconds: 30) { fixture.scratch.exists("started") })
      refresh.signal(SIGTERM)
      #expect(
        waitUntil(seconds: 30) {
          refresh.signal(SIGHUP)
          usleep(2000)
          return refresh.hasEnded
        })
      let result = refresh.wait()
      #expect(result.status == 143, "attempt \(attempt): \(result.stderr.suffix(300))")
    }
  }
}
