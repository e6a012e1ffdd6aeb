import Foundation
import RefreshRunner
import RefreshStore
import RunHistory
import SecretHiding
import SystemInterface
import TestSupport
import Testing

/// The recorder as one more observer of an in-process run: what the runner
/// reports is what the history holds.
@Suite struct RecorderTests {
  let base = TemporaryDirectory("orc-recorded")
  let scratch = TemporaryDirectory("orc-recorder-db")
  var database: String { scratch.url("db/history.sqlite") }

  func recorder(maxOutput: Int = 32768, redactor: OutputRedactor? = nil) throws -> HistoryRecorder {
    var warnings: [String] = []
    let settings = HistoryRecorder.Settings(
      maxOutput: maxOutput, plannedScripts: 3, version: "test", redactor: redactor)
    let opened = try #require(
      try RecordingSession.open(path: database, required: true, settings: settings) { warnings.append($0) })
    #expect(warnings == [])
    return opened.recorder
  }

  func recordedRun() throws -> RunDetail {
    let queries = try HistoryStore.openForReading(at: database).queries
    return try queries.run(try queries.resolveRun(.latest))
  }

  /// Hashing a large new script (read in chunks, its content not kept)
  /// gives up when the run's deadline passes: the timeout is never held up
  /// by the record. 8 GiB (sparse) would take seconds to hash; how little is
  /// hashed once told to stop is counted in FileDigestTests.
  @Test func hashingALargeScriptStopsAtTheDeadline() throws {
    let path = base.script("configure.d/10-large", "exit 0")
    #expect(truncate(path, 8 << 30) == 0)
    let recorder = try recorder()
    let run = try InProcessRun.run(
      base: base, log: EventLog(), extraObservers: [recorder], timeoutNanoseconds: 200_000_000)
    #expect(run.outcome.status == .timeout)
    let script = try #require(try recordedRun().phases.flatMap(\.scripts).first)
    #expect(script.sha256 == nil, "no digest of what was not read")
  }

  @Test func whatTheRunnerReportsIsWhatTheHistoryHolds() throws {
    base.script("configure.d/10-ok", "echo fine")
    base.script("configure.d/20-fails", "echo broken >&2; exit 4")
    base.script("error.d/10-handler", "true")
    scratch.write("heat.json", #"{"a": 1}"#)
    let log = EventLog()
    let recorder = try recorder()
    let run = try InProcessRun.run(
      base: base, log: log, environment: ["OS_CONFIG_FILES": scratch.url("heat.json")], extraObservers: [recorder])
    #expect(run.outcome.status == .failed)
    let detail = try recordedRun()
    #expect(detail.summary.status == .failed)
    #expect(detail.summary.exitCode == 1)
    #expect(detail.summary.failedPhase == .configure)
    #expect(detail.summary.failedScript == "20-fails")
    #expect(detail.summary.failedExitCode == 4)
    #expect(detail.phases.map(\.status) == [.absent, .failed, .skipped, .skipped, .success])
    let scripts = detail.phases.flatMap(\.scripts)
    #expect(scripts.map(\.name) == ["10-ok", "20-fails", "10-handler"])
    #expect(
      scripts.map(\.status)
        == log.events.compactMap { event in
          if case .scriptDidFinish(_, _, let status) = event { return status }
          return nil
        })
    #expect(detail.inputs.map(\.kind) == [.config])
    let queries = try HistoryStore.openForReading(at: database).queries
    #expect(try queries.output(script: scripts[0].id, stream: .stdout).kept == Array("fine\n".utf8))
    #expect(try queries.output(script: scripts[1].id, stream: .stderr).kept == Array("broken\n".utf8))
  }

  @Test func storedOutputIsCutAndRedactedButTheConsoleGetsItWhole() throws {
    base.script("configure.d/10-talks", "echo 'password=hunter2 and then a long tail of words'")
    let destination = try PipeEnds()
    let recorder = try recorder(maxOutput: 12, redactor: try OutputRedactor(["password=[^ ]*"]))
    let run = try InProcessRun.run(
      base: base, passThrough: (destination.writeEnd.rawValue, destination.writeEnd.rawValue),
      extraObservers: [recorder])
    #expect(run.outcome.status == .success)
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = try buffer.withUnsafeMutableBytes { try destination.readEnd.read(into: $0) }
    #expect(String(decoding: buffer[0..<count], as: UTF8.self) == "password=hunter2 and then a long tail of words\n")
    let script = try #require(try recordedRun().phases.flatMap(\.scripts).first)
    let queries = try HistoryStore.openForReading(at: database).queries
    let stored = try queries.output(script: script.id, stream: .stdout)
    #expect(stored.totalBytes == 47)
    #expect(stored.truncated)
    #expect(String(decoding: stored.head, as: UTF8.self) == "<redacted>")
  }
}
