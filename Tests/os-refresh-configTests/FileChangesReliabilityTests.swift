import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import RefreshStore

/// Watching files never stops a refresh: a killed run keeps what it
/// recorded, and a full disk, a read-only history, unreadable or vanished
/// files, special files, link loops and missing paths each cost at most one
/// clear line.
@Suite struct FileChangesReliabilityTests {
  private func warnings(_ result: CommandResult) -> [String] { result.stderrLines.filter { $0.contains("[WARNING]") } }

  @Test func aRunKilledWithSIGKILLKeepsTheChangesRecordedSoFar() throws {
    let node = WatchedNode(method: .fanotify)
    let ready = node.scratch.url("ready")
    node.base.script("configure.d/10-writes", "echo a > \(node.etc)/a.conf")
    node.base.script(
      "configure.d/20-blocks", "touch \(ready); i=0; while [ $i -lt 6000 ]; do sleep 0.01; i=$((i+1)); done")
    let running = node.fixture.startRefresh(environment: node.environment)
    #expect(waitUntil(seconds: 60) { node.scratch.exists("ready") })
    running.signal(SIGKILL)
    _ = running.wait(atMost: 60)
    let changes = try node.changes("1")
    #expect(node.summary(changes) == ["created a.conf by configure/10-writes"])
  }

  @Test func specialFilesLinkLoopsAndFilesThatVanishAreRecordedAsWhatTheyAre() throws {
    let node = WatchedNode(method: .fanotify)
    let etc = node.etc
    node.base.script(
      "configure.d/10-odd",
      "echo t > \(etc)/tmp.new; rm \(etc)/tmp.new; mkfifo \(etc)/fifo; ln -s loop \(etc)/loop; ln -s .. \(etc)/up; "
        + "python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind(\"\(etc)/sock\")'")
    let result = node.refresh()
    #expect(result.status == 0)
    #expect(warnings(result) == [])
    let changes = try node.changes()
    #expect(
      changes.files.map { "\($0.change.rawValue) \(URL(fileURLWithPath: $0.path).lastPathComponent) \($0.kind)" } == [
        "created fifo special", "created loop symlink", "created sock special", "created up symlink",
      ])
    let link = node.fixture.history(["file", etc + "/up", "--at", "1"])
    #expect(link.stdoutText == "..", "a link's kept content is its target")
  }

  @Test func aWatchedPathThatDoesNotExistIsOneWarningAndTheRunGoesOn() throws {
    let node = WatchedNode(method: .fanotify)
    node.base.script("configure.d/10-ran", "touch \(node.scratch.url("ran"))")
    let absent = node.scratch.url("absent")
    let result = node.refresh(environment: ["OS_REFRESH_CONFIG_WATCH_PATHS": absent])
    #expect(result.status == 0)
    #expect(node.scratch.exists("ran"))
    #expect(
      warnings(result).map { String($0.split(separator: "] ", maxSplits: 2).last ?? "") } == [
        "history: the watched path \(absent) is not a directory; nothing under it is recorded until it is one"
      ])
  }

  @Test func aFullDiskCostsOneWarningAndTheRefreshGoesOn() throws {
    let node = WatchedNode(method: .fanotify)
    _ = try node.fixture.mountDatabaseDisk(size: "512k")
    defer { node.fixture.unmountDatabaseDisk() }
    node.base.script(
      "configure.d/10-big",
      "i=0; while [ $i -lt 40 ]; do head -c 30000 /dev/urandom | od -An -x > \(node.etc)/f$i.conf; i=$((i+1)); done")
    node.base.script("configure.d/20-after", "touch \(node.scratch.url("after"))")
    let result = node.refresh()
    #expect(result.status == 0)
    #expect(node.scratch.exists("after"))
    #expect(warnings(result).count == 1, "\(result.stderr)")
  }

  @Test func aReadOnlyHistoryCostsOneWarningAndTheRefreshGoesOn() throws {
    let node = WatchedNode(method: .fanotify)
    let mount = try node.fixture.mountDatabaseDisk(size: "16m")
    defer { node.fixture.unmountDatabaseDisk() }
    node.base.script("configure.d/10-writes", "echo $$ > \(node.etc)/pid.conf")
    #expect(node.refresh().status == 0)
    #expect(runCommand("/bin/mount", ["-o", "remount,ro", mount], environment: [:]).status == 0)
    let result = node.refresh()
    #expect(result.status == 0)
    #expect(warnings(result).count == 1, "\(result.stderr)")
  }

  /// The watched files' last states cannot be read (read on a thread and
  /// connection of their own at the run's start): one clear line, this run
  /// watches nothing, and the refresh goes on.
  @Test func lastStatesThatCannotBeReadCostOneWarningAndTheRefreshGoesOn() throws {
    let node = WatchedNode(method: .fanotify)
    node.base.script("configure.d/10-writes", "echo $$ > \(node.etc)/pid.conf")
    #expect(node.refresh().status == 0)
    try Database(path: node.fixture.database, create: false).execute("DROP TABLE file_state")
    let result = node.refresh()
    #expect(result.status == 0)
    let said = warnings(result).map { String($0.split(separator: "] ", maxSplits: 2).last ?? "") }
    #expect(said.count == 1, "\(result.stderr)")
    #expect(said.first?.hasPrefix("history: cannot read the watched files' last states (") == true)
    #expect(said.first?.hasSuffix("); files are not watched in this run") == true)
    #expect(try node.fixture.runs([]).first?.status == .success)
  }

  /// As an unprivileged user (no fanotify: the scan is chosen by itself), a
  /// file it cannot read and a directory it cannot list are said in the record.
  @Test func unreadableFilesAndDirectoriesAreRecordedAsSuchWithoutFanotify() throws {
    let node = WatchedNode(method: .scan)
    let home = node.scratch.directory("nobody")
    for path in [node.scratch.path, home, node.etc] { chmod(path, 0o755) }
    for path in [home, node.etc] { chown(path, 65534, 65534) }
    let etc = node.etc
    node.base.script(
      "configure.d/10-locks", "echo s > \(etc)/sealed.conf; chmod 000 \(etc)/sealed.conf; mkdir -m 000 \(etc)/private")
    chmod(node.base.path, 0o755)
    let database = home + "/history.sqlite"
    let lock = "/tmp/orc-nobody-watch-\(getpid()).lock"
    defer { unlink(lock) }
    let result = runCommand(
      "/usr/bin/setpriv",
      [
        "--reuid=65534", "--regid=65534", "--clear-groups", Binaries.ours, "--base-dir", node.base.path, "--lockfile",
        lock, "--db", database,
      ],
      environment: Binaries.environment(database: database, ["OS_REFRESH_CONFIG_WATCH_PATHS": etc]))
    #expect(result.status == 0, "\(result.stderr)")
    #expect(warnings(result) == [])
    let changes = runCommand(
      Binaries.ours, ["history", "changes", "--json", "--db", database],
      environment: Binaries.environment(database: database))
    let decoded = try JSONContract.decode(JSONContract.FileChanges.self, from: Data(changes.stdoutText.utf8))
    #expect(decoded.method == .scan)
    #expect(decoded.complete == false)
    #expect(decoded.incompleteReason == "cannot list \(etc)/private (Permission denied)")
    let sealed = try #require(decoded.files.first { $0.path.hasSuffix("sealed.conf") })
    #expect(sealed.error == "Permission denied" && !sealed.contentKept)
  }

  /// 20,000 files created by one script: every one recorded, or the record
  /// says it is not complete and how many changes it lost.
  @Test func twentyThousandFilesAreRecordedCompletelyOrCountedExactly() throws {
    let node = WatchedNode(method: .fanotify)
    node.base.script(
      "configure.d/10-many",
      "mkdir \(node.etc)/many; i=0; while [ $i -lt 20000 ]; do echo $i > \(node.etc)/many/f$i; i=$((i+1)); done")
    // 12 s alone on this machine; the bound is for a loaded one, beside the whole suite.
    #expect(node.fixture.refresh(environment: node.environment, seconds: 300).status == 0)
    let changes = try node.changes()
    if changes.complete == true {
      #expect(changes.filesChanged == 20001)
    } else {
      #expect(changes.filesChanged + Int(changes.changesLost ?? 0) == 20001, "\(changes.incompleteReason ?? "")")
    }
    #expect(changes.files.allSatisfy { $0.script == "10-many" && $0.change == .created })
  }
}
