import FileWatch
import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// Stat scans of watched trees and what differs between two of them.
@Suite struct FileWatchTests {
  private func scope(_ directory: TemporaryDirectory, excludes: [String] = WatchScope.defaultExcludes) -> WatchScope {
    WatchScope(paths: [directory.url("etc")], excludes: excludes)
  }

  private func summary(_ changes: [PathChange], under root: String) -> [String] {
    changes.map { change in
      let name = String(change.path.dropFirst(root.count + 1))
      let from = change.renamedFrom.map { " from " + String($0.dropFirst(root.count + 1)) } ?? ""
      return "\(change.kind.rawValue) \(name)\(from)"
    }
  }

  @Test func eachKindOfChangeIsToldApartByStatAlone() throws {
    let directory = TemporaryDirectory()
    let root = directory.directory("etc")
    _ = directory.write("etc/nova/nova.conf", "[DEFAULT]\ndebug = False\n")
    _ = directory.write("etc/old.conf", "x\n")
    _ = directory.write("etc/mode.conf", "y\n")
    _ = directory.write("etc/gone.conf", "z\n")
    _ = directory.write("etc/replaced.conf", "a\n")
    let before = TreeScan.scan(scope(directory))
    #expect(before.isComplete)
    _ = directory.write("etc/nova/nova.conf", "[DEFAULT]\ndebug = True\n")
    _ = directory.write("etc/new.conf", "n\n")
    #expect(rename(directory.url("etc/old.conf"), directory.url("etc/renamed.conf")) == 0)
    #expect(chmod(directory.url("etc/mode.conf"), 0o600) == 0)
    #expect(unlink(directory.url("etc/gone.conf")) == 0)
    _ = directory.write("etc/replaced.conf.tmp", "b\n")
    #expect(rename(directory.url("etc/replaced.conf.tmp"), directory.url("etc/replaced.conf")) == 0)
    let after = TreeScan.scan(scope(directory))
    let changes = TreeComparison.changes(from: before.states, to: after)
    #expect(
      summary(changes, under: root) == [
        "deleted gone.conf", "metadata mode.conf", "created new.conf", "modified nova/nova.conf",
        "renamed renamed.conf from old.conf", "modified replaced.conf",
      ])
    #expect(TreeComparison.changes(from: after.states, to: TreeScan.scan(scope(directory))).isEmpty)
  }

  @Test func aLinkIsRecordedNeverEnteredSoALoopEndsTheScanAtOnce() throws {
    let directory = TemporaryDirectory()
    let root = directory.directory("etc")
    _ = directory.directory("etc/a")
    #expect(symlink(directory.url("etc"), directory.url("etc/a/loop")) == 0)
    #expect(symlink("/", directory.url("etc/root")) == 0)
    #expect(mkfifo(directory.url("etc/fifo"), 0o600) == 0)
    let snapshot = TreeScan.scan(scope(directory))
    #expect(snapshot.isComplete)
    #expect(snapshot.states.keys.sorted() == [root, root + "/a", root + "/a/loop", root + "/fifo", root + "/root"])
    #expect(snapshot.states[root + "/a/loop"]?.kind == .symlink)
    #expect(snapshot.states[root + "/fifo"]?.kind == .special)
  }

  @Test func excludedPathsAMissingRootAndAnUnlistableDirectoryAreSaid() throws {
    let directory = TemporaryDirectory()
    let root = directory.directory("etc")
    _ = directory.write("etc/a.conf.swp", "s")
    _ = directory.write("etc/keep.conf", "k")
    let scope = WatchScope(paths: [root + "//", directory.url("absent"), "relative"], excludes: ["*.swp"])
    #expect(scope.paths == [root, directory.url("absent")])
    let snapshot = TreeScan.scan(scope)
    #expect(snapshot.states.keys.sorted() == [root, root + "/keep.conf"])
    #expect(snapshot.missingRoots == [directory.url("absent")])
    #expect(scope.isExcluded("/etc/ld.so.cache") == false)
    #expect(WatchScope(paths: ["/etc"], excludes: WatchScope.defaultExcludes).isExcluded("/etc/ld.so.cache"))
    #expect(!WatchScope(paths: ["/etc"], excludes: WatchScope.defaultExcludes).isExcluded("/etc/nova/ld.so.cache"))
  }

  @Test func exclusionsMatchAsFnmatchWould() {
    let patterns = WatchScope.defaultExcludes + ["/etc/a[bc]/*.conf", "x?z", "/var/lib/db.sqlite*", "lock*"]
    let scope = WatchScope(paths: ["/"], excludes: patterns)
    let paths = [
      "/etc/mtab", "/etc/x/mtab", "/etc/nova/.nova.conf.swp", "/etc/a~", "/etc/.#lock", "/etc/4913", "/etc/49130",
      "/etc/ab/z.conf", "/etc/ad/z.conf", "/etc/ab/q/z.conf", "/etc/xyz", "/etc/xz", "/var/lib/db.sqlite-wal",
      "/var/lib/db.sqlit", "/etc/lockfile", "/etc/nolock", "/etc/x.dpkg-tmp", "/etc/ld.so.cache",
      "/var/lib/db.sqlite/inside", "/var/lib/db.sqlite", "/etc/.swp", "/etc/~", "/etc/lock", "/etc/mtab/x",
    ]
    for path in paths {
      let name = String(path.split(separator: "/").last ?? "")
      let expected = patterns.contains { pattern in
        pattern.contains("/") ? fnmatch(pattern, path, FNM_PATHNAME) == 0 : fnmatch(pattern, name, 0) == 0
      }
      #expect(scope.isExcluded(path) == expected, "\(path)")
    }
    #expect(WatchScope.pattern(forFilesStartingWith: "/v/h[1].db") == "/v/h\\[1\\].db*")
    let escaped = WatchScope(paths: ["/"], excludes: [WatchScope.pattern(forFilesStartingWith: "/v/h[1].db")])
    #expect(escaped.isExcluded("/v/h[1].db-wal") && escaped.isExcluded("/v/h[1].db"))
    #expect(!escaped.isExcluded("/v/h1.db-wal") && !escaped.isExcluded("/v/h[1].db/x"))
  }

  /// Random patterns and paths over a small alphabet: the cheap matching
  /// answers as fnmatch(3) does, pattern by pattern (seeded: the same each run).
  @Test func randomPatternsMatchAsFnmatchWould() {
    var random = SplitMix64(seed: 33)
    let pieces = ["a", "b", ".", "/", "*", "?", "[ab]", "\\*", "x"]
    let names = ["a", "b", "ab", ".a", "a.b", "*", "x", "ba"]
    for _ in 0..<3000 {
      let pattern = (0..<Int.random(in: 1...4, using: &random)).map { _ in pieces.randomElement(using: &random)! }
        .joined()
      let path =
        "/"
        + (0..<Int.random(in: 1...3, using: &random)).map { _ in names.randomElement(using: &random)! }
        .joined(separator: "/")
      let name = String(path.split(separator: "/").last ?? "")
      let expected =
        pattern.contains("/") ? fnmatch(pattern, path, FNM_PATHNAME) == 0 : fnmatch(pattern, name, 0) == 0
      #expect(WatchScope(paths: ["/"], excludes: [pattern]).isExcluded(path) == expected, "\(pattern) \(path)")
    }
  }

  @Test func pathsUnderADirectoryThatCouldNotBeListedAreNotTakenForDeleted() throws {
    let directory = TemporaryDirectory()
    _ = directory.directory("etc")
    _ = directory.write("etc/private/a.conf", "a")
    let before = TreeScan.scan(scope(directory))
    var after = before
    after.states[directory.url("etc/private/a.conf")] = nil
    after.unreadable[directory.url("etc/private")] = "Permission denied"
    #expect(TreeComparison.changes(from: before.states, to: after).isEmpty)
    after.unreadable = [:]
    #expect(TreeComparison.changes(from: before.states, to: after).map(\.kind) == [.deleted])
  }

  @Test func aScanStopsAtItsEntryLimitAndSaysSoAndThenReportsNoDeletion() throws {
    let directory = TemporaryDirectory()
    for index in 0..<10 { _ = directory.write("etc/f\(index)", "x") }
    var limited = scope(directory)
    limited.entryLimit = 4
    let full = TreeScan.scan(scope(directory))
    let snapshot = TreeScan.scan(limited)
    #expect(snapshot.truncated)
    #expect(snapshot.states.count == 5)
    #expect(TreeComparison.changes(from: full.states, to: snapshot).isEmpty)
  }
}

/// The kernel's fanotify, where it can be had (root, Linux 5.9 or later).
@Suite struct FanotifyWatcherTests {
  @Test func eventsNameTheChangedPathsAndTheRefreshsOwnProcesses() throws {
    let directory = TemporaryDirectory()
    let root = directory.directory("etc")
    let scope = WatchScope(paths: [root], excludes: [])
    let watcher = try FanotifyWatcher(scope: scope)
    _ = TreeScan.scan(scope, entering: watcher.mark)
    _ = directory.write("etc/a.conf", "a")
    let collected = watcher.collect()
    #expect(!collected.overflowed)
    #expect(collected.touches.map(\.path).contains(root + "/a.conf"))
    #expect(collected.touches.allSatisfy { $0.origin == .refresh(pid: getpid(), startTicks: 0) })
  }

  /// Only the marked directories make events: a file written beside the
  /// watched tree (the history's own files, another process's) costs nothing.
  @Test func onlyTheMarkedDirectoriesMakeEvents() throws {
    let directory = TemporaryDirectory()
    let root = directory.directory("etc")
    _ = directory.directory("var")
    let scope = WatchScope(paths: [root], excludes: [])
    let watcher = try FanotifyWatcher(scope: scope, readsContinuously: false)
    #expect(watcher.queuedEvents() == 0)
    _ = directory.write("etc/before-the-marks.conf", "a")
    #expect(watcher.queuedEvents() == 0, "no directory is marked yet")
    _ = TreeScan.scan(scope, entering: watcher.mark)
    _ = directory.write("var/beside.log", "x")
    #expect(watcher.queuedEvents() == 0)
    _ = directory.write("etc/a.conf", "a")
    #expect(watcher.queuedEvents() > 0)
    #expect(watcher.queuedEvents() <= 2, "created, then written (the kernel may merge the two)")
    #expect(Set(watcher.collect().touches.map(\.path)) == [root + "/a.conf"])
    #expect(watcher.queuedEvents() == 0)
  }

  /// A directory made (or moved in) under a marked one is marked when its
  /// event is read, with the directories it holds by then: a file written
  /// deep in it later is an event. What it held by then made no event of
  /// its own: it is touched, by the process the directory's event names.
  @Test func aDirectoryThatArrivesIsMarkedWithWhatItHolds() throws {
    let directory = TemporaryDirectory()
    let root = directory.directory("etc")
    let scope = WatchScope(paths: [root], excludes: [])
    let watcher = try FanotifyWatcher(scope: scope, readsContinuously: false)
    _ = TreeScan.scan(scope, entering: watcher.mark)
    try FileManager.default.createDirectory(atPath: root + "/made/deeper", withIntermediateDirectories: true)
    _ = directory.write("outside/moved/deeper/held.conf", "h")
    try FileManager.default.moveItem(atPath: directory.url("outside/moved"), toPath: root + "/moved")
    let arrived = watcher.collect()
    #expect(
      Set(arrived.touches.map { $0.renamedTo ?? $0.path }) == [
        root + "/made", root + "/made/deeper", root + "/moved", root + "/moved/deeper",
        root + "/moved/deeper/held.conf",
      ])
    #expect(arrived.touches.allSatisfy { $0.origin == .refresh(pid: getpid(), startTicks: 0) })
    _ = directory.write("etc/made/deeper/a.conf", "a")
    _ = directory.write("etc/moved/deeper/b.conf", "b")
    let written = Set(watcher.collect().touches.map(\.path))
    #expect(written == [root + "/made/deeper/a.conf", root + "/moved/deeper/b.conf"])
  }

  /// A watcher that goes takes its thread and its group with it: the
  /// thread held it, so neither ever went, and the group's marks were freed
  /// by the process's exit, which waited for the kernel to do it.
  @Test func aWatcherThatGoesClosesItsGroup() throws {
    let directory = TemporaryDirectory()
    let root = directory.directory("etc")
    let scope = WatchScope(paths: [root], excludes: [])
    var info = stat()
    #expect(stat(root, &info) == 0)
    let mark = "fanotify ino:" + String(info.st_ino, radix: 16) + " sdev:"
    do {
      let watcher = try FanotifyWatcher(scope: scope)
      _ = TreeScan.scan(scope, entering: watcher.mark)
      _ = directory.write("etc/a.conf", "a")
      #expect(Set(watcher.collect().touches.map(\.path)) == [root + "/a.conf"])
      #expect(Self.groupsMarking(mark) == 1)
    }
    // Closed on a thread of its own (the kernel frees the marks first).
    #expect(waitUntil(seconds: 30) { Self.groupsMarking(mark) == 0 })
  }

  /// How many of this process's fanotify groups hold `mark` (a line of
  /// their /proc/self/fdinfo, proc(5)).
  private static func groupsMarking(_ mark: String) -> Int {
    let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return descriptors.filter { descriptor in
      let info = (try? String(contentsOfFile: "/proc/self/fdinfo/" + descriptor, encoding: .utf8)) ?? ""
      return info.split(separator: "\n").contains { $0.hasPrefix(mark) }
    }.count
  }

  /// Reading a changed file for the record leaves its access time as it
  /// was: under relatime, a plain read of a file whose access time is
  /// behind its modification time would move it.
  @Test func readingAFileForTheRecordLeavesItsAccessTime() throws {
    let directory = TemporaryDirectory()
    let path = directory.write("etc/nova.conf", "[DEFAULT]\n")
    // Accessed an hour before it was last modified.
    var times = [timespec(tv_sec: time(nil) - 3600, tv_nsec: 0), timespec(tv_sec: time(nil), tv_nsec: 0)]
    #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    let content = try FileContent.read(path, limit: 1 << 20, key: nil)
    #expect(content.bytes == Array("[DEFAULT]\n".utf8))
    var after = stat()
    #expect(stat(path, &after) == 0)
    #expect(after.st_atim.tv_sec == times[0].tv_sec)
  }
}
