/// The single source of time for a refresh: wall-clock instants for records
/// and logs, a monotonic clock for durations and deadlines.
public struct RunClock: Sendable {
  /// Creates the system clock.
  public init() {}

  /// Now, as UTC microseconds since the Unix epoch (CLOCK_REALTIME).
  public func wallMicroseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
  }

  /// Now, on the monotonic clock, in nanoseconds (CLOCK_MONOTONIC).
  public func monotonicNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
  }
}

/// A monotonic instant, in nanoseconds on ``RunClock/monotonicNanoseconds()``.
public typealias MonotonicInstant = Int64

extension RunClock {
  /// Sleeps `seconds` in all on the monotonic clock; a signal's interruption
  /// resumes for what is left (through the funnel).
  public func sleep(seconds: Int) {
    let deadline = monotonicNanoseconds() + Int64(seconds) * 1_000_000_000
    _ = try? systemCall("nanosleep") {
      let left = max(0, deadline - monotonicNanoseconds())
      var pause = timespec(tv_sec: Int(left / 1_000_000_000), tv_nsec: Int(left % 1_000_000_000))
      return nanosleep(&pause, nil)
    }
  }
}
