import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import RefreshRunner

@Suite struct EnvironmentTests {
  @Test func applyingSetsChangedAndNewNamesAndUnsetsRemovedOnes() {
    let ours = ProcessEnvironment(entries: ["PATH=/bin", "KEEP=1", "GONE=x", "CHANGE=old"])
    let result = ours.applying(
      from: ["PATH": "/bin", "KEEP": "1", "GONE": "x", "CHANGE": "old", "SHLVL": "1"],
      to: ["PATH": "/bin", "KEEP": "1", "CHANGE": "new", "SHLVL": "1", "ADDED": "a=b"])
    #expect(result.entries == ["PATH=/bin", "KEEP=1", "CHANGE=new", "ADDED=a=b"])
  }

  @Test func nothingChangedLeavesTheEnvironmentAlone() {
    let ours = ProcessEnvironment(entries: ["A=1", "A=2"])
    #expect(ours.applying(from: ["A": "1"], to: ["A": "1"]) == ours)
    #expect(ours.dictionary == ["A": "1"])
  }

  static let limitsText = """
    Limit                     Soft Limit           Hard Limit           Units     
    Max cpu time              unlimited            unlimited            seconds   
    Max file size             unlimited            unlimited            bytes     
    Max data size             1024                 unlimited            bytes     

    """

  @Test func bashReportsAreParsedIntoBeforeFilesAndAfter() {
    let before = "#state\0U0022\n\0D/\n\0L\(Self.limitsText)\0#env\0A=1\0_=x\0\0"
    let after = "#state\0U0077\n\0D/srv/a b\n\0#env\0A=1\0B=two\nlines\0BASH_FUNC_f%%=() {  echo\n}\0\0"
    let records = EnvironmentLoader.parse(Array((before + ">/e/10-a\0>/e/20-b\0" + after).utf8))
    #expect(records.before.variables == ["A": Array("1".utf8)])
    #expect(records.before.state.umask == 0o022)
    #expect(records.before.state.directory == "/")
    #expect(records.before.state.limits?[2].map { [$0.soft, $0.hard] } == [1024, UInt.max])
    #expect(
      records.after?.variables.mapValues { String(decoding: $0, as: UTF8.self) }
        == ["A": "1", "B": "two\nlines", "BASH_FUNC_f%%": "() {  echo\n}"])
    #expect(records.after?.state.umask == 0o077)
    #expect(records.after?.state.directory == "/srv/a b")
    #expect(records.after?.state.limits == nil)
    #expect(records.lastFile == "/e/20-b")
  }

  @Test func aReportCutShortHasNoAfter() {
    let records = EnvironmentLoader.parse(Array("#state\0U0022\n\0#env\0A=1\0\0>/e/10-a\0#state\0U0077\n\0".utf8))
    #expect(records.after == nil)
    #expect(records.lastFile == "/e/10-a")
  }

  @Test func onlyWhatTheShellChangedIsKept() {
    let limits = ShellState.parseLimits(Self.limitsText)
    var changed = limits
    changed?[2] = (512, 512)
    let before = ShellState.Snapshot(umask: 0o022, directory: "/", limits: limits)
    #expect(ShellState.change(from: before, to: before).isEmpty)
    let after = ShellState.Snapshot(umask: 0o022, directory: "/srv", limits: changed)
    let state = ShellState.change(from: before, to: after)
    #expect(state.umask == nil)
    #expect(state.directory == "/srv")
    #expect(state.limits == [ShellState.Limit(resource: 2, soft: 512, hard: 512)])
    // Without /proc on either side, limits are left alone.
    #expect(ShellState.change(from: before, to: ShellState.Snapshot(umask: 0o022, directory: "/")).isEmpty)
  }

  @Test func umaskAndLimitsRejectWhatTheyCannotBe() {
    #expect(ShellState.parseUmask("0077\n") == 0o077)
    #expect(ShellState.parseUmask("0999") == nil)
    #expect(ShellState.parseUmask("") == nil)
    #expect(ShellState.parseLimits("Limit\nMax cpu time   short\n") == nil)
  }
}

/// What scripts get of the run's trace in their environment.
@Suite struct TracedEnvironmentTests {
  @Test func theRunsTraceReplacesAnyOtherAndTraceParentComesLast() throws {
    let trace = RunTrace(
      traceID: TraceID(high: 1, low: 2)!, spanID: SpanID(3)!, parentSpanID: SpanID(4), traceState: "vendor=x")
    let entries = ScriptLauncher.tracedEntries(
      ["A=1", "TRACEPARENT=00-exported-by-environment.d", "TRACESTATE=old", "B=2"].map { Array($0.utf8) }, trace: trace)
    #expect(
      entries.map { String(decoding: $0, as: UTF8.self) } == [
        "A=1", "B=2", "TRACESTATE=vendor=x", "TRACEPARENT=00-00000000000000010000000000000002-0000000000000003-01",
      ])
    // A new trace (no parent given) passes no TRACESTATE on.
    let fresh = RunTrace(traceID: TraceID(high: 1, low: 2)!, spanID: SpanID(3)!)
    let freshEntries = ScriptLauncher.tracedEntries([Array("TRACESTATE=old".utf8)], trace: fresh)
    #expect(freshEntries.allSatisfy { !$0.starts(with: Array("TRACESTATE=".utf8)) })
  }

  @Test func theSignalsAShellIgnoresAreReadFromTrapP() {
    let text = "trap -- '' SIGTERM\ntrap -- 'echo bye' SIGINT\ntrap -- '' SIGUSR1\ntrap -- '' SIGRTMIN+3\n"
    #expect(ShellState.parseIgnored(text) == [SIGTERM, SIGUSR1])
    #expect(ShellState.parseIgnored("") == [])
    var before = ShellState.Snapshot()
    before.ignored = [SIGHUP]
    var after = before
    after.ignored = [SIGHUP, SIGTERM]
    #expect(ShellState.change(from: before, to: after).ignoredSignals == [SIGTERM])
  }
}
