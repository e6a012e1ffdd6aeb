import ArgumentParser
import CommandLineSupport
import RunViews
import SystemInterface

/// `--since TIME`, shared by `history`, `history stats` and `history export`.
struct SinceOption: ParsableArguments {
  /// Only what started at or after this instant.
  @Option(
    help: ArgumentHelp(
      "Only since TIME: 30m, 12h, 7d, 2w, 2026-11-24, '2026-11-24 10:00' or RFC 3339.", valueName: "time"),
    transform: { try InstantArgument(parsing: $0, option: "--since") })
  var since: InstantArgument?

  /// The instant as UTC microseconds, nil when not given.
  var microseconds: Int64? { since?.microseconds }
}
