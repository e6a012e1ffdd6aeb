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

  /// One run whose scripts print far more than the budget: past half of it,
  /// output is counted but not kept, so neither the database nor the
  /// pending log grows with what the scripts print.
  @Test func oneRunThatPrintsMoreThanTheBudgetStaysWithinIt() throws {
    for index in 0..<60 {
      fixture.base.script("configure.d/\(100 + index)-chatty", "head -c 200000 /dev/urandom | od -An -x")
    }
    let run = fixture.refresh(["--max-db-size", "1M", "--max-output", "32768"])
    #expect(run.status == 0)
    let warnings = run.stderrLines.filter { $0.contains("[WARNING]") }
    #expect(warnings.count == 1, "\(run.stderr)")
    #expect(warnings.first?.contains("kept output reached half the history's byte budget") == true)
    #expect(fileSize() <= 1 << 20, "the database: \(fileSize()) bytes")
    let scripts = try fixture.show().scripts
    #expect(scripts.count == 60)
    // About 0.5 MiB of 64 KiB outputs: the first few kept, the rest counted.
    let kept = scripts.filter { !$0.stdout.text.isEmpty }
    #expect(kept.count >= 6 && kept.count <= 8, "\(kept.count) kept")
    #expect(scripts.last?.stdout.text == "" && scripts.last?.stdout.bytes ?? 0 > 400_000)
    #expect(scripts.last?.stdout.truncated == true)
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
