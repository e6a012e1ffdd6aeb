import Foundation
import RefreshStore
import TestSupport
import Testing

@testable import RunHistory

/// What heat-config writes is read only where no other user could have
/// planted it, once per write, and masked as script output is.
@Suite struct HeatDeploymentsTests {
  let scratch = TemporaryDirectory("orc-heat-deployed")

  func signal(_ directory: String, _ id: String, code: Int, stderr: String) {
    _ = FileManager.default.createFile(
      atPath: directory + "/\(id).json",
      contents: Data(#"{"id": "\#(id)", "name": "dep-\#(id)", "group": "script", "inputs": []}"#.utf8))
    _ = FileManager.default.createFile(
      atPath: directory + "/\(id).notify.json",
      contents: Data(#"{"deploy_stdout": "", "deploy_stderr": "\#(stderr)", "deploy_status_code": \#(code)}"#.utf8))
  }

  @Test func aSignalWrittenDuringTheRunIsFoundOnceAndRecordedMasked() throws {
    let directory = scratch.url("deployed")
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    chmod(directory, 0o700)
    signal(directory, "before", code: 0, stderr: "")
    var watch = HeatDeployments(environment: ["HEAT_CONFIG_DEPLOYED": directory])
    #expect(watch.directories == [directory, HeatDeployments.oldDefaultDirectory])
    #expect(watch.written().isEmpty, "what was there before the run is not this run's")
    signal(directory, "d2", code: 1, stderr: "bad token hunter2")
    let written = watch.written()
    #expect(written.map(\.path) == [directory + "/d2.notify.json"])
    #expect(watch.written().isEmpty, "found once")
    let record = try #require(
      HeatDeployments.record(
        signal: written[0].path, signalledAt: written[0].modified, phase: .configure, script: "55-heat-config",
        masked: { Array(String(decoding: $0, as: UTF8.self).replacing("hunter2", with: "<redacted>").utf8) }))
    #expect(record.name == "dep-d2" && record.deploymentID == "d2" && record.group == "script")
    #expect(record.statusCode == 1 && !record.succeeded)
    #expect(String(decoding: record.stderr, as: UTF8.self) == "bad token <redacted>")
  }

  /// A directory quiet for long is not listed again while its entries stay
  /// as they were; a signal file written in it (a new entry) is still found.
  @Test func aQuietDirectoryIsListedAgainOnceAnEntryIsAdded() throws {
    let directory = scratch.url("quiet")
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    chmod(directory, 0o700)
    signal(directory, "old", code: 0, stderr: "")
    var hourAgo = [timeval(tv_sec: time(nil) - 3600, tv_usec: 0), timeval(tv_sec: time(nil) - 3600, tv_usec: 0)]
    #expect(utimes(directory, &hourAgo) == 0)
    var watch = HeatDeployments(environment: ["HEAT_CONFIG_DEPLOYED": directory])
    #expect(watch.written().isEmpty && watch.written().isEmpty)
    signal(directory, "new", code: 1, stderr: "failed")
    #expect(watch.written().map(\.path) == [directory + "/new.notify.json"])
  }

  @Test func aDirectoryAnotherUserCouldWriteOrALinkIsNeverRead() throws {
    let open = scratch.url("open")
    try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false)
    chmod(open, 0o777)
    #expect(!HeatDeployments.isTrusted(open))
    let link = scratch.url("link")
    let real = scratch.url("real")
    try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: false)
    chmod(real, 0o700)
    symlink(real, link)
    #expect(HeatDeployments.isTrusted(real) && !HeatDeployments.isTrusted(link))
    var watch = HeatDeployments(environment: ["HEAT_CONFIG_DEPLOYED": open, "HEAT_CONFIG_DEPLOYED_OLD": link])
    signal(open, "x", code: 1, stderr: "planted")
    signal(real, "y", code: 1, stderr: "through a link")
    #expect(watch.written().isEmpty)
  }
}
