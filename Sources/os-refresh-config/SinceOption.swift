import ArgumentParser
import CommandLineSupport
import RunViews
import SystemInterface

/// `--since TIME`, shared by `history`, `history stats` and `history export`.
struct SinceOption: ParsableArguments {
  /// Only what started at or after this instant.
  @Option(
    help: ArgumentHelp(
      "Only since TIME: 30m, 12h, 7d, 2w, 2026-11-24, '2026-11-24 10:00' or RFC 3339.", valueName: "time"))
  var since: String?

  func validate() throws {
    if let since, TimeParser.parse(since, now: 0) == nil {
      throw ValidationError("--since takes 30m, 12h, 7d, 2026-11-24, '2026-11-24 10:00' or RFC 3339, not '\(since)'")
    }
  }

  /// The instant as UTC microseconds, nil when not given.
  var microseconds: Int64? {
    since.flatMap { TimeParser.parse($0, now: RunClock().wallMicroseconds()) }
  }
}
