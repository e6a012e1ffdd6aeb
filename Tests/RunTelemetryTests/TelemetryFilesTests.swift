import Foundation
import SystemInterface
import TestSupport
import Testing

@testable import RunTelemetry

/// The OTLP file a Collector tails holds whole lines only, whatever a full
/// disk or a crash did to the last one.
@Suite struct TelemetryFilesTests {
  let scratch = TemporaryDirectory("orc-telemetry-files")

  @Test func aTornLastLineIsEndedBeforeOurs() throws {
    let path = scratch.write("trace.jsonl", "{\"whole\":1}\n{\"torn")
    try TelemetryFiles.append(line: "{\"next\":2}", to: path, mode: 0o640)
    #expect(scratch.read("trace.jsonl") == "{\"whole\":1}\n{\"torn\n{\"next\":2}\n")
    try TelemetryFiles.append(line: "{\"third\":3}", to: path, mode: 0o640)
    #expect(scratch.read("trace.jsonl")?.hasSuffix("{\"next\":2}\n{\"third\":3}\n") == true)
  }

  /// A line that does not fit on the disk is cut back off: the next run's
  /// line follows the last whole one.
  @Test func aWriteThatFailsPartWayLeavesNothingOfItself() throws {
    let disk = scratch.directory("disk")
    let mounted = runCommand("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", disk], environment: [:])
    try #require(mounted.status == 0, "mounting a tmpfs needs root: \(mounted.stderr)")
    defer { _ = runCommand("/bin/umount", [disk], environment: [:]) }
    let path = disk + "/trace.jsonl"
    try TelemetryFiles.append(line: "{\"first\":1}", to: path, mode: 0o640)
    #expect(throws: SystemError.self) {
      try TelemetryFiles.append(line: String(repeating: "x", count: 256 << 10), to: path, mode: 0o640)
    }
    #expect(scratch.read("disk/trace.jsonl") == "{\"first\":1}\n")
    try TelemetryFiles.append(line: "{\"next\":2}", to: path, mode: 0o640)
    #expect(scratch.read("disk/trace.jsonl") == "{\"first\":1}\n{\"next\":2}\n")
  }

  /// A user who may write in the metrics directory cannot make the write
  /// fail by planting a file at the temporary name (it was `.NAME.tmp-PID`).
  @Test func aFilePlantedAtTheOldTemporaryNameNeitherStopsNorReceivesTheWrite() throws {
    let planted = scratch.write(".node.prom.tmp-\(getpid())", "theirs\n", mode: 0o644)
    let path = scratch.url("node.prom")
    try TelemetryFiles.replace(path, with: "metric 1\n", mode: 0o644)
    #expect(scratch.read("node.prom") == "metric 1\n")
    #expect(scratch.read(".node.prom.tmp-\(getpid())") == "theirs\n")
    let left = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains(".tmp-") }
    #expect(left == [(planted as NSString).lastPathComponent], "temporary files left: \(left)")
  }

  /// The OTLP file made by another user (who may write in its directory) is
  /// never appended to as root.
  @Test func anotherUsersOTLPFileIsNeverAppendedTo() throws {
    let path = scratch.write("trace.jsonl", "{\"theirs\":1}\n", mode: 0o666)
    #expect(chown(path, 65534, 65534) == 0)
    #expect(throws: SystemError.self) { try TelemetryFiles.append(line: "{\"ours\":2}", to: path, mode: 0o640) }
    #expect(scratch.read("trace.jsonl") == "{\"theirs\":1}\n")
  }
}
