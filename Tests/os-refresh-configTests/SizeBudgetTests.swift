import Foundation
import TestSupport
import Testing

/// `--max-db-size`: the history file stays within its byte budget under
/// steady load, the oldest runs going first, the newest success and
/// failure kept.
@Suite struct SizeBudgetTests {
  let fixture = HistoryFixture()

  func fileSize() -> Int64 {
    var info = stat()
    return stat(fixture.database, &info) == 0 ? Int64(info.st_size) : -1
  }

  @Test func theFileStaysWithinItsBudgetUnderSteadyLoad() throws {
    // Each run stores about 64 KiB of output no other run has.
    fixture.base.script("configure.d/10-chatty", "head -c 200000 /dev/urandom | od -An -x")
    let budget: Int64 = 1 << 20
    var sizes: [Int64] = []
    for run in 1...30 {
      let failing = run == 3
      if failing { fixture.base.script("configure.d/20-fails", "exit 7") }
      let result = fixture.refresh(["--max-db-size", "1M", "--max-output", "32768"])
      #expect(result.status == (failing ? 1 : 0), "\(result.stderr)")
      if failing { try FileManager.default.removeItem(atPath: fixture.base.url("configure.d/20-fails")) }
      sizes.append(fileSize())
    }
    #expect(sizes.allSatisfy { $0 > 0 && $0 <= budget }, "\(sizes)")
    let runs = try fixture.runs(["--limit", "0"])
    #expect(runs.count < 30, "old runs were pruned")
    #expect(runs.first?.id == 30)
    #expect(runs.contains { $0.id == 3 && $0.status == .failed }, "the newest failure is kept")
    #expect(try fixture.integrity() == "ok")
  }

  @Test func badBudgetsAreUsageErrors() {
    for bad in ["100K", "2T", "12X", "", "99999999999999999999"] {
      let result = fixture.refresh(["--max-db-size", bad])
      #expect(result.status == 2, "\(bad)")
      #expect(result.stderr.contains("--max-db-size must be 0 (no budget) or a size from 1M to 1T"), "\(result.stderr)")
    }
    #expect(fixture.refresh(["--max-db-size", "0"]).status == 0)
    #expect(fixture.refresh(["--max-db-size", "64MiB"]).status == 0)
  }
}
