import Foundation
import TestSupport
import Testing

/// Hashing once: a script whose identity (device, inode, size, times) has
/// not changed since it was last read is not read again; one that changed
/// is. System binaries stand in for long-unchanged scripts: their change
/// times are old, so the first run remembers them.
@Suite struct HashingOnceTests {
  let fixture = HistoryFixture()

  func digest(_ path: String) throws -> String {
    let result = runCommand("/usr/bin/sha256sum", [path], environment: [:])
    return String(result.stdoutText.prefix(64))
  }

  @Test func anUnchangedScriptIsNotReadAgainAndAChangedOneIs() throws {
    _ = fixture.base.directory("configure.d")
    symlink("/bin/true", fixture.base.url("configure.d/10-steady"))
    #expect(fixture.refresh().status == 0)
    // The second run under strace (ours only, not the scripts): the script
    // is executed by the child but never opened by us.
    let trace = fixture.scratch.url("trace")
    let traced = runCommand(
      "/usr/bin/strace",
      ["-e", "trace=openat", "-o", trace, Binaries.ours, "--base-dir", fixture.base.path, "--lockfile", fixture.lock],
      environment: Binaries.environment(database: fixture.database))
    #expect(traced.status == 0, "\(traced.stderr)")
    let opened = try String(contentsOfFile: trace, encoding: .utf8)
    #expect(!opened.contains("10-steady"), "\(opened)")
    #expect(!opened.contains("/bin/true"))
    let second = try #require(try fixture.show().scripts.first)
    #expect(second.sha256 == (try digest("/bin/true")))

    // Pointed at another file: its identity differs, so it is read again.
    unlink(fixture.base.url("configure.d/10-steady"))
    symlink("/bin/false", fixture.base.url("configure.d/10-steady"))
    #expect(fixture.refresh().status == 1)
    #expect(try fixture.show().scripts.first?.sha256 == (try digest("/bin/false")))
    let diff = runCommand(
      Binaries.ours, ["diff", "--db", fixture.database], environment: Binaries.environment(database: fixture.database))
    #expect(diff.stdoutText.contains("configure/10-steady"), "\(diff.stdoutText)")
    #expect(diff.stdoutText.contains("content changed"))
  }

  @Test func aScriptJustWrittenIsReadEveryTime() throws {
    // Changed within the last seconds: its times may not yet tell a later
    // write in the same clock tick, so it is not remembered.
    fixture.base.script("configure.d/10-fresh", "echo one")
    #expect(fixture.refresh().status == 0)
    fixture.base.script("configure.d/10-fresh", "echo two")
    #expect(fixture.refresh().status == 0)
    let scripts = try fixture.runs().map { try fixture.show(String($0.id)).scripts.first?.sha256 }
    #expect(scripts.count == 2 && scripts[0] != scripts[1])
  }
}
