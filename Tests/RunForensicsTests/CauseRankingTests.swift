import Foundation
import TestSupport
import Testing

@testable import RunForensics

/// The ranking lives in one table; these check its order and that the
/// documentation shows it as it is.
@Suite struct CauseRankingTests {
  @Test func theTableIsOrderedByWeightAndSplitsDirectFromCircumstantialAt50() {
    let weights = CauseReason.allCases.map(\.weight)
    #expect(weights == weights.sorted(by: >), "the table reads most telling first")
    #expect(CauseReason.churn.weight < CauseReason.failedBefore.weight, "churn below intermittent")
    #expect(CauseReason.allCases.filter { $0.weight >= 50 }.last == .keyUnknownReads)
    #expect(
      CauseReason.keyUnknownReads.weight > CauseReason.failedBefore.weight, "what cannot be seen is never ruled out")
  }

  @Test func docsForensicsShowsTheTableAsItIs() throws {
    let docs = try String(contentsOfFile: Binaries.packageRoot + "/docs/forensics.md", encoding: .utf8)
    #expect(docs.contains(CauseReason.table + "\n"), "copy CauseReason.table into docs/forensics.md")
  }

  @Test func tiesGoToWhatWasAddedOrRemovedThenTheTableThenTheSubject() {
    var list = CauseList()
    list.add(.keyNotRead, "b.value", "changed")
    list.add(.keyNotRead, "a.value", "changed")
    list.add(.keyNotRead, "z.item", "added", structural: true)
    list.add(.churn, "deployments[app].id", "changes every run", structural: true)
    list.add(.environmentChanged, "20-mode", "added", structural: true)
    list.add(.kernelChanged, "kernel", "5.10 -> 6.1")
    list.add(.keyUnderASubtreeItReads, "deployments[x]", "added", structural: true)
    #expect(
      list.ranked().map(\.subject) == [
        "20-mode", "deployments[x]", "kernel", "z.item", "a.value", "b.value", "deployments[app].id",
      ])
  }

  @Test func churnIsToldByNameOrShapeWithoutAHistory() {
    func change(_ key: String, _ to: String) -> KeyChange {
      KeyChange(key: key, change: .changed, from: .string("a"), to: .string(to), secret: false, positionalKey: key)
    }
    let churn = ChurnKeys()
    #expect(churn.reason(change("deployments[app].inputs[deploy_signal_id].value", "x"), path: "/m") != nil)
    #expect(churn.reason(change("os-collect-config.request.Timestamp", "x"), path: "/m") != nil)
    #expect(churn.reason(change("cfn.url", "https://h/v1?Signature=abc"), path: "/m") == "a signed URL")
    #expect(churn.reason(change("deployments[app].inputs[listen_port].value", "9090"), path: "/m") == nil)
    #expect(churn.reason(change("app.port", "9090"), path: "/m") == nil)
  }
}
