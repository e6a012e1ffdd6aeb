import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// A script that changes many watched files has them recorded while it
/// runs (docs/changes.md, "Many files"), not only once it has ended: the
/// history takes them while the script goes on, and a kill loses none.
@Suite struct FileChangesStreamingTests {
  /// The script writing `count` files, then waiting (at most a minute) for
  /// `go`, then rewriting the first one when `rewrite`.
  private func manyThenWait(_ node: WatchedNode, count: Int, ready: String, go: String, rewrite: Bool) {
    node.base.script(
      "configure.d/10-many",
      """
      i=0; while [ $i -lt \(count) ]; do echo $i > \(node.etc)/f$i; i=$((i+1)); done
      touch \(ready)
      n=0; while [ ! -e \(go) ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done
      \(rewrite ? "echo again > \(node.etc)/f0" : "")
      """)
  }

  @Test func aScriptChangingManyFilesIsRecordedWhileItRuns() throws {
    let node = WatchedNode(method: .fanotify)
    let go = node.scratch.url("go")
    manyThenWait(node, count: 1500, ready: node.scratch.url("ready"), go: go, rewrite: true)
    let refresh = node.fixture.startRefresh(environment: node.environment)
    // Counted by status while the script still waits for `go`.
    var counted: Int64?
    let seen = waitUntil(seconds: 60) {
      counted = (try? StatusTests.statusJSON(node.fixture).0.filesChanged) ?? nil
      return counted == 1500
    }
    #expect(FileManager.default.createFile(atPath: go, contents: nil))
    let result = refresh.wait(atMost: 120)
    #expect(seen, "status counted \(counted.map(String.init) ?? "nothing") of 1500 while the script ran")
    #expect(result.status == 0, "\(result.stderr)")
    let changes = try node.changes()
    #expect(changes.complete == true)
    #expect(changes.filesChanged == 1501)
    #expect(changes.files.filter { $0.change == .created }.count == 1500)
    // Rewritten after it was recorded: a second version, at the script's end.
    #expect(changes.files.filter { $0.path == node.etc + "/f0" }.map(\.change) == [.created, .modified])
    #expect(
      changes.files.allSatisfy {
        $0.script == "10-many" && $0.phase == .configure && $0.byRefresh && $0.when == .duringRun
      })
  }

  /// Killed while the files are being recorded: what reached the pending
  /// log is the killed run's, the rest is found at the next run's start
  /// (outside a refresh); every file once, none lost.
  @Test func aKillWhileManyFilesAreRecordedLosesNone() throws {
    let node = WatchedNode(method: .fanotify)
    let ready = node.scratch.url("ready")
    let go = node.scratch.url("go")
    manyThenWait(node, count: 1500, ready: ready, go: go, rewrite: false)
    let refresh = node.fixture.startRefresh(environment: node.environment)
    #expect(waitUntil(seconds: 60) { node.scratch.exists("ready") })
    refresh.signal(SIGKILL)
    _ = refresh.wait(atMost: 60)
    // The script, left behind, ends without writing more.
    #expect(FileManager.default.createFile(atPath: go, contents: nil))
    try FileManager.default.removeItem(atPath: node.base.url("configure.d/10-many"))
    #expect(node.refresh().status == 0)
    let killed = try node.changes("1")
    let next = try node.changes("2")
    #expect(killed.files.allSatisfy { $0.script == "10-many" && $0.change == .created && $0.when == .duringRun })
    #expect(next.files.allSatisfy { !$0.byRefresh && $0.change == .created && $0.when == .beforeRun })
    let paths = (killed.files + next.files).map(\.path)
    #expect(paths.count == 1500 && Set(paths) == Set((0..<1500).map { node.etc + "/f\($0)" }))
  }
}
