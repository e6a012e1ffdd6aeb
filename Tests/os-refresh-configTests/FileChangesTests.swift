import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import RefreshStore

/// What a refresh did to the node's files (`history changes`, `history
/// file`, `drift`), through the built binary, on temporary watched
/// directories, by fanotify and by the stat scan alike.
@Suite struct FileChangesTests {
  /// Scripts of every phase that change `etc` in every way a file can change.
  private func changeEverything(_ node: WatchedNode) {
    let etc = node.etc
    node.scratch.write("etc/nova/nova.conf", "[DEFAULT]\ndebug = False\nhost = a\n")
    for name in ["old.conf", "mode.conf", "gone.conf"] { node.scratch.write("etc/" + name, name + "\n") }
    node.scratch.write("etc/keep/k.conf", "k\n")
    node.base.script("pre-configure.d/10-quiesce", "chmod 600 \(etc)/mode.conf")
    node.base.script(
      "configure.d/20-write", "sed -i 's/debug = False/debug = True/' \(etc)/nova/nova.conf; echo x > \(etc)/new.conf")
    node.base.script("configure.d/30-move", "mv \(etc)/old.conf \(etc)/moved.conf")
    // A tree made outside and moved in (what it holds was never an event),
    // and a watched directory renamed with what it holds.
    let outside = node.scratch.url("outside")
    node.base.script(
      "configure.d/35-trees",
      "mkdir -p \(outside)/tree/sub; echo t > \(outside)/tree/sub/t.conf; mv \(outside)/tree \(etc)/tree; "
        + "mv \(etc)/keep \(etc)/kept")
    node.base.script("post-configure.d/40-clean", "rm \(etc)/gone.conf; mkdir -p \(etc)/conf.d/deep")
    // Into a directory a script of an earlier phase made (with fanotify:
    // marked when its event was read).
    node.base.script("migration.d/50-late", "echo late > \(etc)/conf.d/deep/late.conf")
  }

  @Test(arguments: [WatchMethod.fanotify, .scan])
  func eachChangeIsAttributedToTheScriptThatMadeIt(method: WatchMethod) throws {
    let node = WatchedNode(method: method)
    changeEverything(node)
    #expect(node.refresh().status == 0)
    let changes = try node.changes()
    #expect(changes.method == method)
    #expect(changes.complete == true)
    #expect(
      node.summary(changes) == [
        "metadata mode.conf by pre-configure/10-quiesce", "created new.conf by configure/20-write",
        "modified nova/nova.conf by configure/20-write", "renamed moved.conf from old.conf by configure/30-move",
        "renamed kept from keep by configure/35-trees", "renamed kept/k.conf from keep/k.conf by configure/35-trees",
        "created tree by configure/35-trees", "created tree/sub by configure/35-trees",
        "created tree/sub/t.conf by configure/35-trees", "created conf.d by post-configure/40-clean",
        "created conf.d/deep by post-configure/40-clean",
        "deleted gone.conf by post-configure/40-clean", "created conf.d/deep/late.conf by migration/50-late",
      ])
    let nova = try #require(changes.files.first { $0.path.hasSuffix("nova.conf") })
    #expect(nova.linesAdded == 1 && nova.linesRemoved == 1)
    #expect(nova.contentKept && !nova.secret && !nova.binary)
    let mode = try #require(changes.files.first { $0.path.hasSuffix("mode.conf") })
    #expect(mode.mode == "600")
    let text = node.fixture.history(["changes", "--diff"])
    #expect(text.status == 0)
    #expect(text.stdoutText.contains("configure/20-write\n  created   \(node.etc)/new.conf  (+1 -0)\n"))
    #expect(text.stdoutText.contains("    -debug = False\n    +debug = True\n"), "\(text.stdoutText)")
  }

  @Test func theFallbackScanFindsTheSameChangesAsFanotify() throws {
    let watched = WatchedNode(method: .fanotify)
    let scanned = WatchedNode(method: .scan)
    changeEverything(watched)
    changeEverything(scanned)
    #expect(watched.refresh().status == 0)
    #expect(scanned.refresh().status == 0)
    #expect(watched.summary(try watched.changes()) == scanned.summary(try scanned.changes()))
  }

  /// A daemon a script started (it outlives the script, re-parented to the
  /// refresh) writes while the next script runs: it counts as the script
  /// that started it. (It lives on after writing, as a daemon does: a
  /// process gone before its event is read counts as the script running.)
  @Test func aDaemonAScriptStartedCountsAsThatScript() throws {
    let node = WatchedNode(method: .fanotify)
    let (go, done, release) = (node.scratch.url("go"), node.scratch.url("done"), node.scratch.url("release"))
    defer { _ = FileManager.default.createFile(atPath: release, contents: nil) }
    node.base.script(
      "configure.d/10-starts-daemon",
      "( i=0; while [ ! -e \(go) ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done; "
        + "echo daemon > \(node.etc)/daemon.conf; touch \(done); "
        + "i=0; while [ ! -e \(release) ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i+1)); done ) "
        + "</dev/null >/dev/null 2>&1 &")
    node.base.script(
      "configure.d/20-next",
      "touch \(go); i=0; while [ ! -e \(done) ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done")
    #expect(node.refresh().status == 0)
    #expect(node.scratch.exists("done"))
    #expect(node.summary(try node.changes()) == ["created daemon.conf by configure/10-starts-daemon"])
  }

  /// environment.d is sourced before the first script, while the start's
  /// listing of a large watched tree could still be going on (it is made
  /// on a thread of its own): what its files write is the refresh's, never
  /// taken for a change made before the run.
  @Test(arguments: [WatchMethod.fanotify, .scan])
  func whatEnvironmentDWritesIsTheRefreshsNeverDrift(method: WatchMethod) throws {
    let node = WatchedNode(method: method)
    for directory in 0..<40 {
      for file in 0..<100 { node.scratch.write("etc/d\(directory)/f\(file).conf", "\(file)\n") }
    }
    node.base.script("pre-configure.d/10-first", "true")
    #expect(node.refresh().status == 0)
    node.base.write(
      "environment.d/10-writes", "for d in \(node.etc)/d*; do echo env > \"$d/env.conf\"; done\n")
    #expect(node.refresh().status == 0)
    let changes = try node.changes()
    #expect(changes.files.filter { $0.when != .duringRun }.map(\.path) == [])
    #expect(changes.files.filter { $0.path.hasSuffix("/env.conf") && $0.byRefresh }.count == 40)
  }

  /// A process outside the refresh writes under a watched path while a script runs.
  @Test func aProcessOutsideTheRefreshIsNotTakenForIt() throws {
    let node = WatchedNode(method: .fanotify)
    let (go, done) = (node.scratch.url("go"), node.scratch.url("done"))
    let outsider = RunningCommand(
      "/bin/sh",
      [
        "-c",
        "i=0; while [ ! -e \(go) ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done; "
          + "echo by-hand > \(node.etc)/outside.conf; touch \(done)",
      ], environment: ["PATH": "/usr/bin:/bin"])
    node.base.script(
      "configure.d/10-waits",
      "echo mine > \(node.etc)/mine.conf; touch \(go); "
        + "i=0; while [ ! -e \(done) ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done")
    #expect(node.refresh().status == 0)
    #expect(outsider.wait(atMost: 60).status == 0)
    let changes = try node.changes()
    #expect(node.summary(changes) == ["created mine.conf by configure/10-waits", "created outside.conf by outside"])
    let outside = try #require(changes.files.last)
    #expect(outside.when == .duringRun && !outside.byRefresh && outside.phase == nil && outside.script == nil)
  }

  @Test(arguments: [WatchMethod.fanotify, .scan])
  func aHandEditBetweenRefreshesIsFoundAtTheNextStartAndEveryVersionCanBeRead(method: WatchMethod) throws {
    let node = WatchedNode(method: method)
    let conf = node.etc + "/app.conf"
    node.scratch.write("etc/app.conf", "workers = 1\n")
    node.base.script("configure.d/10-render", "printf 'workers = 4\\n' > \(conf)")
    #expect(node.refresh().status == 0)
    node.scratch.write("etc/app.conf", "workers = 4\nhand = yes\n")
    let drifted = node.drift(["--json"])
    #expect(drifted.status == 1)
    let drift = try JSONContract.decode(JSONContract.Drift.self, from: Data(drifted.stdoutText.utf8))
    #expect(drift.sinceRun == 1)
    #expect(drift.files.map { "\($0.change.rawValue) \($0.path) +\($0.linesAdded ?? -1)" } == ["modified \(conf) +1"])
    #expect(node.refresh().status == 0)
    #expect(node.drift().stdoutText == "No change under \(node.etc) since run 2, outside a refresh.\n")
    #expect(node.drift().status == 0)
    let second = try node.changes("2")
    #expect(
      node.summary(second) == ["modified app.conf by configure/10-render", "modified app.conf by before the run"])
    let versions = try node.versions(conf)
    #expect(
      versions.versions.map { "\($0.run) \($0.when.rawValue) \($0.change.rawValue)" } == [
        "1 baseline created", "1 during_run modified", "2 before_run modified", "2 during_run modified",
      ])
    let at = { (run: String) in node.fixture.history(["file", conf, "--at", run]).stdoutText }
    #expect(at("1") == "workers = 4\n")
    #expect(at("2") == "workers = 4\n")
    node.scratch.write("etc/app.conf", "workers = 9\n")
    #expect(node.refresh().status == 0)
    #expect(at("2") == "workers = 4\n")
    let never = node.fixture.history(["file", node.etc + "/nothing.conf"])
    #expect(never.status == 1)
    #expect(
      never.stderrLines == [
        "os-refresh-config: error: '\(node.etc)/nothing.conf' was never recorded (is it under a watched path?)"
      ])
  }

  /// Every stored content counts exactly the rows that refer to it, through
  /// rewrites with the same text and with new text, a rename, a deletion, a
  /// hand edit and a prune: a count too low lets a prune delete a text a
  /// kept version shows, one too high keeps a text forever.
  @Test(arguments: [WatchMethod.fanotify, .scan])
  func everyContentCountsExactlyTheRowsThatReferToIt(method: WatchMethod) throws {
    let node = WatchedNode(method: method)
    let etc = node.etc
    let counter = node.scratch.url("round")
    node.scratch.write("etc/same.conf", "same\n")
    node.scratch.write("etc/twin.conf", "same\n")
    node.base.script(
      "configure.d/10-write",
      """
      n=$(cat \(counter) 2>/dev/null || echo 0); n=$((n+1)); echo $n > \(counter)
      echo same > \(etc)/same.conf; echo "v$n" > \(etc)/c.conf
      case $n in
        1) echo a > \(etc)/a.conf ;;
        2) mv \(etc)/a.conf \(etc)/b.conf; echo "v1" > \(etc)/twin.conf ;;
        3) rm \(etc)/b.conf; chmod 600 \(etc)/same.conf ;;
      esac
      """)
    let miscounted = { () throws -> [String] in
      let store = try HistoryStore.openForReading(at: node.fixture.database)
      let statement = try store.database.statement(
        """
        SELECT id || ': ' || refs || ' counted, ' || referred || ' rows refer to it' FROM (SELECT c.id, c.refs, (
          (SELECT count(*) FROM run_inputs WHERE content_id = c.id)
          + (SELECT count(*) FROM input_chunks WHERE content_id = c.id)
          + (SELECT count(*) FROM scripts WHERE content_id = c.id) + (SELECT count(*) FROM scripts WHERE stdout_head = c.id)
          + (SELECT count(*) FROM scripts WHERE stdout_tail = c.id) + (SELECT count(*) FROM scripts WHERE stderr_head = c.id)
          + (SELECT count(*) FROM scripts WHERE stderr_tail = c.id)
          + (SELECT count(*) FROM file_changes WHERE content_id = c.id)
          + (SELECT count(*) FROM file_state WHERE content_id = c.id)) AS referred
        FROM contents c) WHERE refs != referred
        """)
      var lines: [String] = []
      while try statement.step() { lines.append(statement.text(0)) }
      return lines
    }
    for round in 1...3 {
      #expect(node.refresh().status == 0)
      #expect(try miscounted() == [], "after round \(round)")
      node.scratch.write("etc/c.conf", "by hand \(round)\n")
    }
    let versions = try node.versions(etc + "/c.conf").versions
    #expect(versions.map { "\($0.run) \($0.when.rawValue)" }.suffix(2) == ["3 before_run", "3 during_run"])
    #expect(node.fixture.history(["file", etc + "/b.conf", "--at", "2"]).stdoutText == "a\n")
    #expect(node.fixture.history(["prune", "--keep-runs", "1"]).status == 0)
    #expect(try miscounted() == [])
    #expect(node.fixture.history(["file", etc + "/c.conf", "--at", "3"]).stdoutText == "v3\n")
  }
}
