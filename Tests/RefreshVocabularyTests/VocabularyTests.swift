import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import RefreshStore

/// The vocabulary is the one spelling of the domain's words: the schema's
/// CHECKs must allow exactly what the enums say.
@Suite struct VocabularyTests {
  /// The values the `CHECK (column = 'a' OR column = 'b' …)` of `column`
  /// in `table` allows, in order, read from the schema a fully migrated
  /// database holds (sqlite_master keeps each table's CREATE statement as
  /// the migrations left it: 0018 made the IN lists comparisons).
  func checkList(table: String, column: String) throws -> [String] {
    let directory = TemporaryDirectory("orc-vocabulary")
    let database = try Database(path: directory.url("schema.sqlite"))
    try Migrator.migrate(database)
    let sql = try #require(
      try database.firstRow("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(table)]) {
        $0.text(0)
      })
    let marker = "\(column) TEXT NOT NULL"
    let start = try #require(sql.range(of: marker), "\(table).\(column) is not in the schema")
    let rest = sql[start.upperBound...]
    let check = try #require(rest.range(of: "CHECK ("), "\(table).\(column) has no CHECK")
    #expect(!rest[..<check.lowerBound].contains(","), "the CHECK after \(table).\(column) belongs to another column")
    let close = try #require(rest[check.upperBound...].firstIndex(of: ")"))
    return try rest[check.upperBound..<close].components(separatedBy: " OR ").map { term in
      let prefix = "\(column) = '"
      #expect(term.hasPrefix(prefix) && term.hasSuffix("'"), "\(table).\(column): \(term)")
      return String(try #require(term.dropFirst(prefix.count).dropLast().split(separator: "'").first))
    }
  }

  @Test func runStatusesAreTheSchemasRunStatuses() throws {
    #expect(try checkList(table: "runs", column: "status") == RunStatus.allCases.map(\.rawValue))
  }

  @Test func phaseStatusesAreTheSchemasPhaseStatuses() throws {
    #expect(try checkList(table: "phases", column: "status") == PhaseStatus.allCases.map(\.rawValue))
  }

  @Test func scriptStatusesAreTheSchemasScriptStatuses() throws {
    #expect(try checkList(table: "scripts", column: "status") == ScriptStatus.allCases.map(\.rawValue))
  }

  @Test func phasesAreTheSchemasPhaseNames() throws {
    #expect(try checkList(table: "phases", column: "name") == Phase.allCases.map(\.rawValue))
  }

  @Test func inputKindsAreTheSchemasInputKinds() throws {
    #expect(try checkList(table: "run_inputs", column: "kind") == InputKind.allCases.map(\.rawValue))
  }

  @Test func fileChangeWordsAreTheSchemas() throws {
    #expect(try checkList(table: "file_changes", column: "change") == FileChangeKind.allCases.map(\.rawValue))
    #expect(try checkList(table: "file_changes", column: "found") == FileChangeTime.allCases.map(\.rawValue))
    #expect(try checkList(table: "file_watches", column: "method") == WatchMethod.allCases.map(\.rawValue))
  }

  @Test func aFailedRunIsEveryEndedStatusButSuccess() {
    #expect(RunStatus.failures == [.failed, .timeout, .interrupted, .abandoned])
    // Each status judged here by an exhaustive switch, not by the list
    // isFailure is defined from: a new status must be decided on.
    for status in RunStatus.allCases {
      let failed: Bool
      switch status {
      case .running, .success: failed = false
      case .failed, .timeout, .interrupted, .abandoned: failed = true
      }
      #expect(status.isFailure == failed, "\(status)")
    }
    for status in ScriptStatus.allCases {
      let failed: Bool
      switch status {
      case .running, .success: failed = false
      case .failed, .killed, .timeout, .interrupted, .abandoned: failed = true
      }
      #expect(status.isFailure == failed, "\(status)")
    }
  }

  @Test func exitStatusesAreTheDocumentedNumbers() {
    #expect(ExitStatus.success.code == 0)
    #expect(ExitStatus.failure.code == 1)
    #expect(ExitStatus.usage.code == 2)
    #expect(ExitStatus.lockHeld(errno: EWOULDBLOCK).code == 11)
    #expect(ExitStatus.signal(SIGTERM).code == 143)
    #expect(ExitStatus.signal(SIGINT).code == 130)
  }

  @Test func debianChangelogCarriesTheVersionTheBinaryReports() throws {
    let changelog = try String(contentsOfFile: Binaries.packageRoot + "/debian/changelog", encoding: .utf8)
    let first = try #require(changelog.split(separator: "\n").first)
    #expect(first.hasPrefix("os-refresh-config-swift (\(ProductVersion.current)) "), "\(first)")
  }

  @Test func phasesRunInTheirDirectoriesOrder() {
    #expect(
      Phase.ordered.map(\.directoryName) == ["pre-configure.d", "configure.d", "post-configure.d", "migration.d"])
    #expect(Phase.allCases.map(\.position) == [0, 1, 2, 3, 4])
    #expect(Phase.allCases.sorted() == Phase.allCases)
  }
}
