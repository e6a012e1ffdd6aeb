import Foundation
import TestSupport
import Testing

/// What the fleet sees of file changes: the Prometheus series (checked by
/// promtool) and the trace's span events (parsed by opentelemetry-proto).
@Suite struct FileChangesFleetTests {
  @Test func metricsAndTraceEventsSayWhatTheRunChangedAndWhatDrifted() throws {
    let node = WatchedNode(method: .fanotify)
    node.scratch.write("etc/app.conf", "a = 1\n")
    node.base.script("configure.d/10-render", "echo 'a = 2' > \(node.etc)/app.conf; echo n$$ > \(node.etc)/new.conf")
    #expect(node.refresh().status == 0)
    node.scratch.write("etc/app.conf", "a = 3\n")
    let (metrics, otlp) = (node.scratch.url("orc.prom"), node.scratch.url("trace.jsonl"))
    #expect(node.refresh(["--metrics-file", metrics, "--otlp-file", otlp]).status == 0)
    let text = try String(contentsOfFile: metrics, encoding: .utf8)
    for line in [
      "os_refresh_config_last_run_files_changed{by_refresh=\"true\"} 2",
      "os_refresh_config_last_run_files_changed{by_refresh=\"false\"} 0", "os_refresh_config_drift_files 1",
      "os_refresh_config_last_run_files_complete 1",
    ] {
      #expect(text.split(separator: "\n").contains(Substring(line)), "\(line) in \(text)")
    }
    let checked = FleetTools.promtool(metrics)
    #expect(checked.status == 0, "\(checked.stdoutText)")
    let trace = try #require(try FleetTools.parseOTLP(otlp).first)
    #expect(
      trace.events == [
        [.text("os-refresh-config"), .text("file.drifted"), .text(node.etc + "/app.conf")],
        [.text("10-render"), .text("file.changed"), .text(node.etc + "/app.conf")],
        [.text("10-render"), .text("file.changed"), .text(node.etc + "/new.conf")],
      ])
    let line = try String(contentsOfFile: otlp, encoding: .utf8)
    #expect(!line.contains("a = 3") && !line.contains("a = 2"), "no content in a trace")
  }
}

/// `status` while a refresh runs: the files it changed so far.
@Suite struct FileChangesStatusTests {
  @Test func statusShowsTheFilesTheRunningRefreshChangedSoFar() throws {
    let node = WatchedNode(method: .fanotify)
    let go = node.scratch.url("go")
    node.base.script("configure.d/10-writes", "echo 1 > \(node.etc)/one.conf")
    node.base.script(
      "configure.d/20-waits", "i=0; while [ ! -e \(go) ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i+1)); done")
    let running = node.fixture.startRefresh(environment: node.environment)
    defer { _ = running.wait(atMost: 60) }
    var seen: JSONContract.Status?
    let found = waitUntil(seconds: 60) {
      guard let (status, _) = try? StatusTests.statusJSON(node.fixture) else { return false }
      seen = status
      return status.filesChanged == 1
    }
    #expect(found, "\(String(describing: seen))")
    let last = try #require(seen?.lastFiles.first)
    #expect(seen?.lastFiles.count == 1)
    #expect(last.path == node.etc + "/one.conf" && last.change == .created && last.byRefresh)
    #expect(last.phase == .configure && last.script == "10-writes")
    let text = StatusTests.status(node.fixture).stdoutText
    #expect(
      text.contains("Files: 1 changed so far; last: created \(node.etc)/one.conf by configure/10-writes\n"), "\(text)")
    #expect(FileManager.default.createFile(atPath: go, contents: nil))
  }
}

/// `why` and `diff` on file changes.
@Suite struct FileChangesForensicsTests {
  /// A config file edited by hand between refreshes breaks the script that
  /// reads it: `why` names that file first, above a script before it that changed too.
  @Test func whyRanksAHandEditedFileTheFailedScriptReadsFirst() throws {
    let node = WatchedNode(method: .fanotify)
    node.scratch.write("etc/app.conf", "workers = 4\n")
    node.base.script("configure.d/05-other", "true")
    node.base.script("configure.d/10-check", "grep -q 'workers = 4' \(node.etc)/app.conf")
    #expect(node.refresh().status == 0)
    node.scratch.write("etc/app.conf", "workers = 2\n")
    node.base.script("configure.d/05-other", "true # changed")
    #expect(node.refresh().status == 1)
    let why = try node.why()
    #expect(
      JSONContract.causeLines(why).prefix(2) == [
        "file_changed \(node.etc)/app.conf", "script_changed configure/05-other",
      ])
    #expect(why.causes.first?.direct == true)
    #expect(why.causes.first?.evidence.hasPrefix("modified outside any refresh, found at run 2's start") == true)
  }

  /// A file a template renders to, changed by hand between refreshes
  /// (here made a directory, as a mistaken `mkdir` would), breaks the script
  /// that renders the templates with os-apply-config, whose text never
  /// names the file: `why` names the file first, from the template.
  @Test func whyRanksAHandChangedFileTheFailedScriptRendersFromATemplateFirst() throws {
    let node = WatchedNode(method: .fanotify)
    node.scratch.write("templates/etc/app/app.conf", "[main]\nworkers = 4\n")
    node.scratch.write("heat.json", "{}")
    let environment = [
      "OS_CONFIG_APPLIER_TEMPLATES": node.scratch.url("templates"), "OS_CONFIG_FILES": node.scratch.url("heat.json"),
    ]
    node.base.script("configure.d/05-other", "true")
    node.base.script("configure.d/10-apply", "os-apply-config -o \(node.scratch.url("")) >/dev/null 2>&1 || exit 9")
    #expect(node.refresh(environment: environment).status == 0)
    // Rendered under the root -o gives: the watched etc.
    #expect(node.scratch.exists("etc/app/app.conf"))
    try FileManager.default.removeItem(atPath: node.scratch.url("etc/app/app.conf"))
    _ = node.scratch.directory("etc/app/app.conf")
    node.base.script("configure.d/05-other", "true # changed")
    #expect(node.refresh(environment: environment).status == 1)
    let why = try node.why()
    #expect(
      JSONContract.causeLines(why).prefix(2) == [
        "file_changed \(node.etc)/app/app.conf", "script_changed configure/05-other",
      ], "\(why.causes)")
    #expect(why.causes.first?.direct == true)
    #expect(
      why.causes.first?.evidence.contains(
        "outside any refresh, found at run 2's start; the script renders it from "
          + "template etc/app/app.conf") == true, "\(why.causes.first?.evidence ?? "")")
  }

  /// `diff A B` compares the watched files as each run left them.
  @Test func diffComparesTheWatchedFilesAsEachRunLeftThem() throws {
    let node = WatchedNode(method: .scan)
    node.scratch.write("etc/app.conf", "a = 1\n")
    node.scratch.write("etc/old.conf", "o\n")
    node.base.script("configure.d/10-render", "true")
    #expect(node.refresh().status == 0)
    node.base.script(
      "configure.d/10-render",
      "echo 'a = 2' > \(node.etc)/app.conf; mv \(node.etc)/old.conf \(node.etc)/new.conf 2>/dev/null; true")
    #expect(node.refresh().status == 0)
    #expect(node.refresh().status == 0)
    let text = node.run(["diff", "1", "3", "--files-diff"]).stdoutText
    let files = text.components(separatedBy: "\nFiles\n").last ?? ""
    #expect(
      files == """
          modified  \(node.etc)/app.conf  (+1 -1)
            --- a\(node.etc)/app.conf (run 1)
            +++ b\(node.etc)/app.conf (run 3)
            @@ -1 +1 @@
            -a = 1
            +a = 2
          created   \(node.etc)/new.conf  (+1 -0)
            --- a\(node.etc)/new.conf (run 1)
            +++ b\(node.etc)/new.conf (run 3)
            @@ -0,0 +1 @@
            +o
          deleted   \(node.etc)/old.conf  (+0 -1)
            --- a\(node.etc)/old.conf (run 1)
            +++ b\(node.etc)/old.conf (run 3)
            @@ -1 +0,0 @@
            -o

        """, "\(text)")
    let at = node.fixture.history(["file", node.etc + "/old.conf", "--at", "2"])
    #expect(at.status == 1)
    #expect(
      at.stderrLines == [
        "os-refresh-config: error: '\(node.etc)/old.conf' did not exist at the end of run 2: run 2 recorded its rename to '\(node.etc)/new.conf'"
      ])
    #expect(node.fixture.history(["file", node.etc + "/old.conf", "--at", "1"]).stdoutText == "o\n")
    #expect(
      node.run(["diff", "2", "3"]).stdoutText.contains("Files") == false, "nothing differs between runs 2 and 3")
  }
}
