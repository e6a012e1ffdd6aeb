import Foundation
import RefreshStore
import RefreshVocabulary
import TestSupport
import Testing

@testable import os_refresh_config

/// What operators meet: --version, the journal, terminal output, the
/// os-collect-config way of running us, completions, formats.
@Suite struct OperatorTests {
  let fixture = HistoryFixture()
  var base: TemporaryDirectory { fixture.base }
  var scratch: TemporaryDirectory { fixture.scratch }

  @Test func versionNamesTheSchemaOfTheDatabaseItWouldUse() throws {
    func version() -> CommandResult {
      runCommand(
        Binaries.ours, ["--version", "--db", fixture.database],
        environment: Binaries.environment(database: fixture.database))
    }
    let schema = Migration.latestVersion
    #expect(
      version().stdoutText
        == "os-refresh-config 0.1.0\nhistory schema \(schema); \(fixture.database): not created yet\n")
    base.script("configure.d/10-a", "true")
    #expect(fixture.refresh().status == 0)
    #expect(
      version().stdoutText
        == "os-refresh-config 0.1.0\nhistory schema \(schema); \(fixture.database): schema \(schema)\n")
    #expect(!scratch.exists("db/history.sqlite-journal"))
  }

  @Test func logLinesCarryTheirPriorityWhenStderrIsTheJournal() throws {
    base.script("configure.d/10-fails", "exit 2")
    let result = runCommand(
      "/bin/bash",
      [
        "-c",
        """
        exec 2> \(scratch.url("journal"))
        export JOURNAL_STREAM=$(stat -c %d:%i \(scratch.url("journal")))
        exec \(Binaries.ours) --base-dir \(base.path) --lockfile \(fixture.lock) --db \(fixture.database)
        """,
      ], environment: Binaries.environment(database: fixture.database))
    #expect(result.status == 1)
    let lines = try #require(scratch.read("journal")).split(separator: "\n").map(String.init)
    #expect(lines.first?.hasPrefix("<6>[") == true, "\(lines)")
    #expect(lines.contains { $0.hasPrefix("<3>[") && $0.hasSuffix("[ERROR] Aborting...") })
    #expect(lines.allSatisfy { $0.wholeMatch(of: #/<[2-7]>\[.*/#) != nil })

    let elsewhere = fixture.refresh(environment: ["JOURNAL_STREAM": "1:1"])
    #expect(elsewhere.stderrLines.allSatisfy { $0.hasPrefix("[") })
  }

  /// Runs `command` on a pseudo-terminal `columns` wide.
  func onTerminal(_ command: String, columns: Int, environment: [String: String] = [:]) -> String {
    let result = runCommand(
      "/usr/bin/script", ["-qec", "stty cols \(columns); \(command)", "/dev/null"],
      environment: Binaries.environment(database: fixture.database, environment))
    return result.stdoutText.replacingOccurrences(of: "\r", with: "")
  }

  /// Characters that show on a terminal, colour sequences left out.
  func visibleWidth(_ text: String) -> Int {
    text.replacing(#/\x1B\[[0-9;]*m/#, with: "").count
  }

  @Test func tablesFitTheTerminalAndColourOnlyThere() throws {
    base.script("configure.d/10-a-script-with-a-rather-long-name-to-fill-the-line", "exit 3")
    #expect(fixture.refresh().status == 1)
    let command = "\(Binaries.ours) history --db \(fixture.database)"
    let narrow = onTerminal(command, columns: 50)
    let lines = narrow.split(separator: "\n").map(String.init)
    #expect(lines.count == 2, "\(narrow)")
    #expect(lines.allSatisfy { visibleWidth($0) <= 50 }, "\(lines)")
    #expect(lines[1].hasSuffix("…"))
    #expect(narrow.contains("\u{1B}[31mfailed\u{1B}[0m"))
    #expect(!onTerminal(command, columns: 200, environment: ["NO_COLOR": "1"]).contains("\u{1B}["))
    #expect(!fixture.history([]).stdoutText.contains("\u{1B}["), "no colour into a pipe or file")
  }

  /// Rerun by hand after a failure, without OS_CONFIG_FILES: the inputs are
  /// the files os-apply-config would read, from os-collect-config's list.
  @Test func aRefreshByHandRecordsTheMetadataOsApplyConfigWouldRead() throws {
    scratch.write("heat_local.json", #"{"deployments": []}"#)
    scratch.write("cfn.json", #"{"a": 1}"#)
    let list = scratch.write(
      "os_config_files.json", "[\"\(scratch.url("heat_local.json"))\", \"\(scratch.url("cfn.json"))\"]")
    base.script("configure.d/10-ok", "true")
    let result = runCommand(
      "/bin/sh", ["-c", "\(Binaries.ours) --base-dir \(base.path) --lockfile \(fixture.lock)"],
      environment: Binaries.environment(database: fixture.database, ["OS_CONFIG_FILES_PATH": list]))
    #expect(result.status == 0, "\(result.stderr)")
    let inputs = try fixture.show().inputs
    #expect(inputs.map(\.path) == [scratch.url("heat_local.json"), scratch.url("cfn.json")])
    #expect(inputs.allSatisfy { $0.source == list && $0.kind == .config && $0.sha256 != nil })
  }

  @Test func theOsCollectConfigWayRecordsTheMetadataFiles() throws {
    scratch.write("heat_local.json", #"{"deployments": []}"#)
    scratch.write("ec2.json", #"{"instance-id": "i-1"}"#)
    base.script("configure.d/10-read", #"echo "$OS_CONFIG_FILES""#)
    let files = scratch.url("heat_local.json") + ":" + scratch.url("ec2.json")
    let result = runCommand(
      "/bin/sh",
      ["-c", "\(Binaries.ours) --timeout 3600 --base-dir \(base.path) --lockfile \(fixture.lock)"],
      environment: Binaries.environment(database: fixture.database, ["OS_CONFIG_FILES": files]))
    #expect(result.status == 0)
    #expect(result.stdoutText == files + "\n")
    let inputs = try fixture.show().inputs
    #expect(inputs.map(\.path) == [scratch.url("heat_local.json"), scratch.url("ec2.json")])
    #expect(inputs.allSatisfy { $0.sha256?.count == 64 && $0.kind == .config })
    #expect(inputs.allSatisfy { $0.source == "OS_CONFIG_FILES" })
    let example = try String(contentsOfFile: Binaries.packageRoot + "/examples/os-collect-config.conf", encoding: .utf8)
    #expect(example.contains("command = os-refresh-config"))
  }

  @Test func completionOffersRunsAndScriptsFromTheHistory() throws {
    base.script("configure.d/10-a", "true")
    #expect(fixture.refresh().status == 0)
    #expect(fixture.refresh().status == 0)
    let script = runCommand(
      Binaries.ours, ["--generate-completion-script", "bash"],
      environment: Binaries.environment(database: fixture.database))
    #expect(script.stdoutText.contains("---completion history show -- positional@0"))
    let runs = runCommand(
      Binaries.ours,
      [
        "---completion", "history", "show", "--", "positional@0", "5", "0", "os-refresh-config", "history", "show",
        "--db", fixture.database, "",
      ],
      environment: Binaries.environment(database: fixture.database))
    #expect(
      runs.stdoutText.split(separator: "\n").map(String.init) == ["latest", "last-success", "last-failure", "2", "1"])
    let scripts = runCommand(
      Binaries.ours,
      [
        "---completion", "history", "output", "--", "positional@1", "6", "0", "os-refresh-config", "history", "output",
        "1", "--db", fixture.database, "",
      ],
      environment: Binaries.environment(database: fixture.database))
    #expect(scripts.stdoutText == "configure/10-a\n")
  }

  /// A bare invocation refreshes, so the top-level help lists the refresh
  /// options, as the parser declares them, before the subcommands.
  @Test func topLevelHelpListsTheRefreshOptions() {
    let help = runCommand(Binaries.ours, ["--help"], environment: Binaries.environment(database: fixture.database))
    let refresh = runCommand(
      Binaries.ours, ["refresh", "--help"], environment: Binaries.environment(database: fixture.database))
    #expect(help.status == 0 && refresh.status == 0)
    let text = help.stdoutText
    #expect(
      text.contains("USAGE: os-refresh-config [<refresh-options>]\n       os-refresh-config <subcommand> [<options>]\n")
    )
    let section = text.components(separatedBy: "REFRESH OPTIONS (a bare os-refresh-config refreshes):\n").last ?? ""
    for option in ["--timeout <seconds>", "--base-dir <path>", "--db <path>", "--no-history", "--dry-run"] {
      #expect(section.contains("  \(option)"), "\(option)")
      #expect(refresh.stdoutText.contains("  \(option)"), "\(option)")
    }
    #expect(text.contains("SUBCOMMANDS:\n  refresh (default)"))
  }

  @Test func helpAnswersForEveryCommand() {
    for arguments in [
      ["--help"], ["-h"], ["history", "--help"], ["history", "show", "--help"], ["help", "diff"], ["diff", "-h"],
    ] {
      let result = runCommand(Binaries.ours, arguments, environment: Binaries.environment(database: fixture.database))
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      #expect(result.stdoutText.hasPrefix("OVERVIEW: "), "\(arguments)")
      #expect(result.stderr == "", "\(arguments)")
    }
    // Every command that reads the history lists its options, the group
    // `history` its default (list) ones too.
    for command in [
      ["history"], ["history", "list"], ["history", "show"], ["history", "output"], ["history", "script"],
      ["history", "stats"], ["history", "prune"], ["history", "export"], ["history", "plot"], ["diff"],
    ] {
      let help = runCommand(
        Binaries.ours, command + ["--help"], environment: Binaries.environment(database: fixture.database))
      #expect(help.stdoutText.contains("\n  --db <path> "), "\(command) lists no options:\n\(help.stdoutText)")
    }
  }
}
