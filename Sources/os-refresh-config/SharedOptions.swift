import ArgumentParser
import RefreshStore
import RefreshVocabulary

/// `--json`, the same flag wherever a command can print its JSON contract.
struct JSONOption: ParsableArguments {
  /// Machine-readable output.
  @Flag(help: "Print JSON instead of text (see README for the fields).")
  var json = false
}

/// `--limit COUNT`, the same option and range wherever lists are cut.
struct LimitOption: ParsableArguments {
  /// The largest `--limit` accepted.
  static let maximum = 1_000_000_000

  /// How many to show.
  @Option(help: ArgumentHelp("Show at most COUNT (0: all; at most 1000000000).", valueName: "count"))
  var limit: Int = 20

  func validate() throws {
    guard (0...Self.maximum).contains(limit) else {
      throw ValidationError("--limit must be a whole number from 0 to \(Self.maximum), not \(limit)")
    }
  }

  /// The limit, nil for all.
  var count: Int? { limit == 0 ? nil : limit }
}

/// The PHASE/NAME argument naming a script.
struct ScriptArgument: ParsableArguments {
  /// The script.
  @Argument(
    help: ArgumentHelp("The script as PHASE/NAME, e.g. configure/20-neutron.", valueName: "phase/name"),
    completion: Completions.scripts)
  var script: String
}

extension RunStatus: ExpressibleByArgument {}

/// The documented range of each numeric option, checked in one place.
enum OptionRange {
  /// `--timeout`: up to a year.
  static let timeoutSeconds = 0...31_536_000
  /// `--kill-after`: up to a day.
  static let killAfterSeconds = 0...86_400
  /// `--max-output`: up to 16 MiB at each end of each stream.
  static let maxOutputBytes = 0...16_777_216

  /// Throws a usage error naming the option, its range and the value given when it is outside.
  static func check(_ name: String, _ value: Int?, _ range: ClosedRange<Int>, _ unit: String) throws {
    guard let value, !range.contains(value) else { return }
    throw ValidationError(
      "\(name) must be a whole number of \(unit) from \(range.lowerBound) to \(range.upperBound), not \(value)")
  }
}
