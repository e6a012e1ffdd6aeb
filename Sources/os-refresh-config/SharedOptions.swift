import ArgumentParser
import RefreshStore
import RefreshVocabulary

/// `--json`, the same flag wherever a command can print its JSON contract;
/// its help names where that command's contract is written.
struct JSONOption<Contract: JSONContractDocument>: ParsableArguments {
  /// Machine-readable output.
  @Flag(help: ArgumentHelp("Print JSON instead of text (its fields: \(Contract.document)).")) var json = false
}

/// Where a command's JSON contract is documented.
protocol JSONContractDocument { static var document: String { get } }

/// `history` and `history show`: the run records.
enum RunsContract: JSONContractDocument { static let document = "docs/history.md#the-json-contract" }
/// `diff`, `history script`, `history stats`.
enum ForensicsContract: JSONContractDocument { static let document = "docs/forensics.md" }
/// `why`.
enum WhyContract: JSONContractDocument { static let document = "docs/forensics.md#why-a-script-failed" }
/// `history changes`, `history file`, `drift`.
enum ChangesContract: JSONContractDocument { static let document = "docs/changes.md#the-json-contract" }
/// `status`.
enum StatusContract: JSONContractDocument { static let document = "docs/status.md#the-json-contract" }

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
