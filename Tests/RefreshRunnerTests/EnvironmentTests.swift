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

  @Test func bashReportsAreParsedIntoBeforeFilesAndAfter() {
    let report = Array("A=1\0_=x\0\0>/e/10-a\0>/e/20-b\0A=1\0B=two\nlines\0\0".utf8)
    let records = EnvironmentLoader.parse(report)
    #expect(records.before == ["A": "1"])
    #expect(records.after == ["A": "1", "B": "two\nlines"])
    #expect(records.lastFile == "/e/20-b")
  }

  @Test func aReportCutShortHasNoAfter() {
    let records = EnvironmentLoader.parse(Array("A=1\0\0>/e/10-a\0A=1\0".utf8))
    #expect(records.after == nil)
    #expect(records.lastFile == "/e/10-a")
  }
}
