import Foundation
import TestSupport
import Testing

/// A metrics file that cannot be written: the refresh goes on, and the
/// WARNINGs say what the file shows meanwhile.
@Suite struct MetricsFileFailureTests {
  /// The run in progress reached the file, its end cannot: said, since the
  /// file now tells Prometheus a run is still going.
  @Test func anEndThatCannotReplaceTheRunInProgressIsSaid() throws {
    let fixture = HistoryFixture()
    let directory = fixture.scratch.directory("metrics")
    let elsewhere = fixture.scratch.directory("elsewhere")
    fixture.base.script(
      "configure.d/10-move", "mv \(directory) \(directory).old && ln -s \(elsewhere) \(directory)")
    let result = fixture.refresh(["--metrics-file", directory + "/node.prom"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stderr.contains(
        "metrics: cannot write the run's end to \(directory)/node.prom ("), "\(result.stderr)")
    #expect(result.stderr.contains("); it still says a run is in progress"))
    #expect(fixture.scratch.read("metrics.old/node.prom")?.contains("os_refresh_config_run_in_progress 1") == true)
    #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
  }

  /// A metrics file that cannot be written costs one WARNING, not the
  /// refresh; a symbolic link at its directory is not followed.
  @Test func aFailureToWriteIsOneWarning() throws {
    let fixture = HistoryFixture()
    fixture.base.script("configure.d/10-ok", "exit 0")
    var result = fixture.refresh(["--metrics-file", fixture.scratch.url("missing/dir/m.prom")])
    #expect(result.status == 0)
    #expect(result.stderrLines.filter { $0.contains("WARNING") }.count == 1, "\(result.stderr)")
    #expect(result.stderr.contains("metrics: cannot write \(fixture.scratch.url("missing/dir/m.prom"))"))
    let elsewhere = fixture.scratch.directory("elsewhere")
    try FileManager.default.createSymbolicLink(atPath: fixture.scratch.url("link"), withDestinationPath: elsewhere)
    result = fixture.refresh(["--metrics-file", fixture.scratch.url("link/m.prom")])
    #expect(result.status == 0)
    #expect(result.stderrLines.filter { $0.contains("WARNING") }.count == 1, "\(result.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
  }
}
