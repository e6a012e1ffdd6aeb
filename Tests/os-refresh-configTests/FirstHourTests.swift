import Foundation
import TestSupport
import Testing

/// What a newcomer meets in the first hour, through the built binary: a
/// mistyped word answered with a suggestion and the help that fits, an
/// empty answer explained, each `--json` naming its own contract, and a
/// top-level help that leads with usage and subcommands.
@Suite struct FirstHourTests {
  let fixture = HistoryFixture()

  func run(_ arguments: [String]) -> CommandResult {
    runCommand(Binaries.ours, arguments, environment: Binaries.environment(database: fixture.database))
  }

  @Test func aMistypedSubcommandIsAnsweredWithASuggestionAndTheHelpThatFits() {
    let cases: [([String], String)] = [
      (["histroy"], "Unexpected argument 'histroy'; did you mean 'history'? (see 'os-refresh-config --help')"),
      (
        ["history", "shwo"],
        "Unexpected argument 'shwo'; did you mean 'show'? (see 'os-refresh-config history --help')"
      ),
      (
        ["history", "prune", "--older-than", "5x"],
        "--older-than takes a duration such as 90s, 30m, 12h, 7d or 2w, not '5x' (see 'os-refresh-config history prune --help')"
      ),
      (
        ["--max-db-size", "foo"],
        "--max-db-size must be 0 (no budget) or a size from 1M to 1T such as 256M or 2G, not 'foo' (see 'os-refresh-config --help')"
      ),
      (
        ["history", "--since", "yesterday"],
        "--since takes 30m, 12h, 7d, 2026-11-24, '2026-11-24 10:00' or RFC 3339, not 'yesterday' (see 'os-refresh-config history --help')"
      ),
    ]
    for (arguments, line) in cases {
      let result = run(arguments)
      #expect(result.status == 2, "\(arguments)")
      #expect(result.stdoutText == "", "\(arguments)")
      #expect(result.stderr == "os-refresh-config: error: \(line)\n", "\(arguments)")
    }
  }

  @Test func historyOutputOfAScriptThatWroteOnlyToStderrSaysSo() {
    fixture.base.script("configure.d/10-quiet", "echo 'only here' >&2")
    #expect(fixture.refresh().status == 0)
    let output = fixture.history(["output", "latest", "configure/10-quiet"])
    #expect(output.status == 0)
    #expect(output.stdoutText == "")
    #expect(
      output.stderr
        == "os-refresh-config: note: configure/10-quiet wrote nothing to stdout and 10 bytes to stderr: "
        + "add --stderr to see them\n")
    let stderr = fixture.history(["output", "latest", "configure/10-quiet", "--stderr"])
    #expect(stderr.status == 0 && stderr.stdoutText == "only here\n" && stderr.stderr == "")
  }

  @Test func eachJSONHelpNamesItsOwnContract() {
    let contracts: [([String], String)] = [
      (["history", "--help"], "docs/history.md#the-json-contract"),
      (["history", "show", "--help"], "docs/history.md#the-json-contract"),
      (["diff", "--help"], "docs/forensics.md)"),
      (["why", "--help"], "docs/forensics.md#why-a-script-failed"),
      (["status", "--help"], "docs/status.md#the-json-contract"),
    ]
    for (arguments, document) in contracts {
      let help = run(arguments)
      #expect(help.status == 0)
      let flattened = help.stdoutText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
      #expect(flattened.contains("Print JSON instead of text (its fields: \(document)"), "\(arguments)")
    }
  }

  @Test func theTopLevelHelpLeadsWithUsageAndSubcommands() {
    let help = run(["--help"]).stdoutText
    let headings = help.split(separator: "\n").filter { $0.first?.isUppercase == true && $0.contains(":") }
      .compactMap { line in
        ["OVERVIEW:", "USAGE:", "SUBCOMMANDS:", "REFRESH OPTIONS", "OPTIONS:", "DESCRIPTION:"].first {
          line.hasPrefix($0)
        }
      }
    #expect(headings == ["OVERVIEW:", "USAGE:", "SUBCOMMANDS:", "REFRESH OPTIONS", "OPTIONS:", "DESCRIPTION:"])
    #expect(help.contains("DESCRIPTION:\nRuns the executable scripts"))
    #expect(help.contains("EXIT STATUS: 0 every phase completed"))
  }
}
