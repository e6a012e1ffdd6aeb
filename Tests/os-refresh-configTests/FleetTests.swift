import Foundation
import TestSupport
import Testing

/// The tools the fleet's engines read our files with, from Debian's
/// packages and PyPI (installed by .ci/run and scripts/install-telemetry-tools).
enum FleetTools {
  static let path = "/usr/local/bin:/usr/bin:/bin"
  static let python = Binaries.packageRoot + "/.build/otlp/bin/python"

  static func run(_ tool: String, _ arguments: [String], seconds: Double = 60) -> CommandResult {
    runCommand(tool, arguments, environment: ["PATH": path, "LC_ALL": "C"], seconds: seconds)
  }

  /// `promtool check metrics < path`: exit status and what it said.
  static func promtool(_ file: String) -> CommandResult {
    run("/bin/sh", ["-c", "promtool check metrics < \"$1\" 2>&1", "sh", file])
  }

  /// Each line of an OTLP file parsed as TracesData by opentelemetry-proto,
  /// and its tree checked (scripts/check-otlp): the summaries, one per line.
  static func parseOTLP(_ file: String) throws -> [OTLPSummary] {
    let result = run(python, [Binaries.packageRoot + "/scripts/check-otlp", file])
    #expect(result.status == 0, "\(result.stderr)")
    return try result.stdoutText.split(separator: "\n").map {
      try JSONDecoder().decode(OTLPSummary.self, from: Data($0.utf8))
    }
  }
}

/// What scripts/check-otlp read back from a parsed TracesData.
struct OTLPSummary: Decodable {
  let trace: String
  let root: String
  let rootParent: String?
  /// name, span id, parent id, depth, status code.
  let spans: [[Value]]
  /// span name, event name, the event's file.path.
  let events: [[Value]]

  enum CodingKeys: String, CodingKey {
    case trace, root, spans, events
    case rootParent = "root_parent"
  }

  enum Value: Decodable, Equatable {
    case text(String)
    case number(Int)
    case null

    init(from decoder: Decoder) throws {
      let container = try decoder.singleValueContainer()
      if container.decodeNil() {
        self = .null
      } else if let number = try? container.decode(Int.self) {
        self = .number(number)
      } else {
        self = .text(try container.decode(String.self))
      }
    }
  }

  /// The span named `name`: its id, its parent's id, its depth, its status code.
  func span(_ name: String) -> (id: String, parent: String?, depth: Int, status: Int)? {
    guard let row = spans.first(where: { $0.first == .text(name) }),
      case .text(let id) = row[1], case .number(let depth) = row[3], case .number(let status) = row[4]
    else { return nil }
    if case .text(let parent) = row[2] { return (id, parent, depth, status) }
    return (id, nil, depth, status)
  }
}

@Suite struct MetricsFileTests {
  /// promtool accepts the file after a success, a failure, a timeout and
  /// without a history; each says what the run did.
  @Test func promtoolAcceptsTheFileAfterEveryKindOfRun() throws {
    let fixture = HistoryFixture()
    let textfile = fixture.scratch.directory("textfile")
    let metrics = textfile + "/os-refresh-config.prom"
    fixture.base.script("configure.d/10-ok", "exit 0")
    #expect(fixture.refresh(["--metrics-file", metrics]).status == 0)
    var text = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(text.contains("\nos_refresh_config_last_run_success 1\n"))
    #expect(text.contains("\nos_refresh_config_runs_total{status=\"success\"} 1\n"))
    #expect(text.contains("\nos_refresh_config_script_success{phase=\"configure\",script=\"10-ok\"} 1\n"))
    var check = FleetTools.promtool(metrics)
    #expect(check.status == 0 && check.stdoutText.isEmpty, "\(check.stdoutText)")
    // 0644, and no temporary file left beside it.
    let mode = try FileManager.default.attributesOfItem(atPath: metrics)[.posixPermissions] as? Int
    #expect(mode == 0o644)
    #expect(try FileManager.default.contentsOfDirectory(atPath: textfile) == ["os-refresh-config.prom"])

    fixture.base.script("configure.d/20-bad", "exit 3")
    #expect(fixture.refresh(["--metrics-file", metrics]).status == 1)
    text = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(text.contains("\nos_refresh_config_last_run_success 0\nos_refresh_config_last_run_exit_code") == false)
    #expect(text.contains("\nos_refresh_config_last_run_success 0\n"))
    #expect(text.contains("\nos_refresh_config_last_run_exit_code 1\n"))
    #expect(text.contains("\nos_refresh_config_runs_total{status=\"failed\"} 1\n"))
    #expect(text.contains("\nos_refresh_config_script_success{phase=\"configure\",script=\"20-bad\"} 0\n"))
    #expect(text.contains("os_refresh_config_last_success_timestamp_seconds "))
    check = FleetTools.promtool(metrics)
    #expect(check.status == 0 && check.stdoutText.isEmpty, "\(check.stdoutText)")

    fixture.base.script("configure.d/20-bad", "sleep 30")
    #expect(fixture.refresh(["--metrics-file", metrics, "--timeout", "1"]).status == 1)
    text = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(text.contains("\nos_refresh_config_runs_total{status=\"timeout\"} 1\n"))
    #expect(text.contains("\nos_refresh_config_script_success{phase=\"configure\",script=\"20-bad\"} 0\n"))
    check = FleetTools.promtool(metrics)
    #expect(check.status == 0 && check.stdoutText.isEmpty, "\(check.stdoutText)")

    fixture.base.script("configure.d/20-bad", "exit 0")
    #expect(fixture.refresh(["--no-history"], environment: ["OS_REFRESH_CONFIG_METRICS_FILE": metrics]).status == 0)
    text = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(!text.contains("runs_total"))
    #expect(text.contains("\nos_refresh_config_last_run_success 1\n"))
    #expect(text.contains("\nos_refresh_config_script_success{phase=\"configure\",script=\"20-bad\"} 1\n"))
    check = FleetTools.promtool(metrics)
    #expect(check.status == 0 && check.stdoutText.isEmpty, "\(check.stdoutText)")
  }

  /// runs_total counts the runs retention pruned too: a counter never goes back.
  @Test func theRunCounterKeepsCountingPastRetention() throws {
    let fixture = HistoryFixture()
    let metrics = fixture.scratch.url("m.prom")
    fixture.base.script("configure.d/10-ok", "exit 0")
    for _ in 0..<3 { #expect(fixture.refresh(["--metrics-file", metrics, "--keep-runs", "1"]).status == 0) }
    #expect(try fixture.runs().count == 1)
    let text = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(text.contains("\nos_refresh_config_runs_total{status=\"success\"} 3\n"), "\(text)")
  }

  /// The alert rules docs/fleet.md shows are valid Prometheus rules.
  @Test func theExampleAlertRulesAreValid() {
    let check = FleetTools.run(
      "/usr/bin/promtool", ["check", "rules", Binaries.packageRoot + "/examples/fleet/os-refresh-config.rules.yml"])
    #expect(check.status == 0, "\(check.stdoutText)\(check.stderr)")
    #expect(check.stdoutText.contains("SUCCESS: 8 rules found"))
  }

  /// The rules' own unit tests: a stuck node fires OsRefreshConfigStuck after
  /// two hours, a failing node OsRefreshConfigFailing after 30 minutes, a
  /// deployment failing inside a successful run OsRefreshConfigDeploymentFailed
  /// at once, a healthy node with no change for three days nothing at all,
  /// failing nodes counted by cause, and drift found at a run's start.
  @Test func theAlertRulesPassTheirUnitTests() {
    let check = FleetTools.run(
      "/usr/bin/promtool", ["test", "rules", Binaries.packageRoot + "/examples/fleet/os-refresh-config.rules.test.yml"])
    #expect(check.status == 0, "\(check.stdoutText)\(check.stderr)")
    #expect(check.stdoutText.contains("SUCCESS"), "\(check.stdoutText)")
  }

  /// A run stopped by SIGTERM still leaves its metrics.
  @Test func anInterruptedRunWritesItsMetrics() throws {
    let fixture = HistoryFixture()
    let metrics = fixture.scratch.url("run.prom")
    fixture.base.script("configure.d/10-wait", "touch \(fixture.scratch.url("started")); sleep 30")
    let running = fixture.startRefresh(["--metrics-file", metrics])
    #expect(waitUntil(seconds: 20) { fixture.scratch.exists("started") })
    running.signal(SIGTERM)
    #expect(running.wait(atMost: 30).status == 128 + SIGTERM)
    let text = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(text.contains("\nos_refresh_config_last_run_exit_code 143\n"))
    #expect(text.contains("\nos_refresh_config_runs_total{status=\"interrupted\"} 1\n"))
  }

  /// A trace file that cannot be appended to (a FIFO planted under its name,
  /// a directory) costs one WARNING each, never a hang or the refresh.
  @Test func aTraceFileThatIsNotAFileIsOneWarning() throws {
    let fixture = HistoryFixture()
    fixture.base.script("configure.d/10-ok", "exit 0")
    let fifo = fixture.scratch.url("traces.jsonl")
    #expect(mkfifo(fifo, 0o600) == 0)
    for target in [fifo, fixture.scratch.directory("a-directory")] {
      let result = fixture.refresh(["--otlp-file", target], seconds: 20)
      #expect(result.status == 0)
      #expect(result.stderrLines.filter { $0.contains("WARNING") }.count == 1, "\(result.stderr)")
      #expect(result.stderr.contains("trace: cannot append to \(target)"), "\(result.stderr)")
    }
  }

  /// A real node_exporter (Debian's) serves our metrics from its textfile directory.
  @Test func nodeExporterServesTheMetrics() throws {
    let fixture = HistoryFixture()
    let textfile = fixture.scratch.directory("textfile")
    fixture.base.script("configure.d/10-ok", "exit 0")
    #expect(fixture.refresh(["--metrics-file", textfile + "/os-refresh-config.prom"]).status == 0)
    var served: String?
    for attempt in 0..<5 {
      let port = 20_000 + Int.random(in: 0..<20_000) + attempt
      let exporter = RunningCommand(
        "/usr/bin/prometheus-node-exporter",
        [
          "--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults", "--collector.textfile",
          "--collector.textfile.directory=\(textfile)",
        ], environment: ["PATH": FleetTools.path])
      defer {
        exporter.signal(SIGTERM)
        _ = exporter.wait(atMost: 10)
      }
      _ = waitUntil(seconds: 10) {
        if exporter.hasEnded { return true }
        let scrape = FleetTools.run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(port)/metrics"], seconds: 5)
        if scrape.status == 0 { served = scrape.stdoutText }
        return served != nil
      }
      if served != nil { break }
    }
    let text = try #require(served)
    #expect(text.contains("\nos_refresh_config_last_run_success 1\n"))
    #expect(text.contains("\nos_refresh_config_runs_total{status=\"success\"} 1\n"))
    #expect(text.contains("\nos_refresh_config_script_success{phase=\"configure\",script=\"10-ok\"} 1\n"))
    #expect(text.contains("\nnode_textfile_scrape_error 0\n"))
  }
}

@Suite struct TraceTests {
  /// Each line parses as TracesData; spans nest run → phase → script with
  /// their times inside their parents; a failure is an ERROR span; the
  /// history exports the same lines with the same ids.
  @Test func theTraceFileParsesAndNestsAndExportsTheSame() throws {
    let fixture = HistoryFixture()
    let otlp = fixture.scratch.url("traces.jsonl")
    fixture.base.script("pre-configure.d/10-quiesce", "exit 0")
    fixture.base.script("configure.d/10-write", "exit 0")
    fixture.base.script("configure.d/20-fail", "exit 4")
    fixture.base.script("error.d/10-report", "exit 0")
    #expect(fixture.refresh(["--otlp-file", otlp]).status == 1)
    fixture.base.script("configure.d/20-fail", "exit 0")
    #expect(fixture.refresh(["--otlp-file", otlp]).status == 0)
    let lines = try #require(fixture.scratch.read("traces.jsonl"))
    let mode = try FileManager.default.attributesOfItem(atPath: otlp)[.posixPermissions] as? Int
    #expect(mode == 0o640)
    let parsed = try FleetTools.parseOTLP(otlp)
    #expect(parsed.count == 2)
    let failed = try #require(parsed.first)
    let root = try #require(failed.span("os-refresh-config"))
    let configure = try #require(failed.span("configure"))
    let script = try #require(failed.span("20-fail"))
    let handler = try #require(failed.span("10-report"))
    let error = try #require(failed.span("error"))
    #expect(root.parent == nil && root.depth == 0 && root.status == 2)
    #expect(configure.parent == root.id && configure.depth == 1 && configure.status == 2)
    #expect(script.parent == configure.id && script.depth == 2 && script.status == 2)
    #expect(error.parent == root.id && handler.parent == error.id && handler.status == 0)
    #expect(try #require(parsed.last?.span("os-refresh-config")).status == 0)
    #expect(Set(parsed.map(\.trace)).count == 2)
    // history show names the trace, to find it in a tracing backend.
    let shown = try fixture.show()
    #expect(shown.traceId == parsed.last?.trace && shown.spanId == parsed.last?.root && shown.parentSpanId == nil)
    let report = fixture.history(["show", "latest"]).stdoutText
    #expect(report.contains("\n  Trace     \(parsed.last?.trace ?? "-")\n"), "\(report)")
    // Exported twice, the same lines: the ids were stored, not made again.
    let first = fixture.history(["export", "--format", "otlp"])
    let second = fixture.history(["export", "--format", "otlp"])
    #expect(first.status == 0 && first.stdoutText == second.stdoutText)
    // The same lines the run's end wrote, but for why's cause on the failed
    // run's root span, which is the run end's alone (FleetCauseTests).
    let cause = #/,\{"key":"os_refresh_config\.cause\.(kind|subject)","value":\{"stringValue":"[^"]*"\}\}/#
    #expect(lines.contains("os_refresh_config.cause.kind"))
    #expect(first.stdoutText == lines.replacing(cause, with: ""))
  }

  /// A run recorded before traces were kept (no ids stored) exports with
  /// ids derived from the run: valid, nested, the same each time.
  @Test func runsRecordedBeforeTracesExportTheSameEachTime() throws {
    let fixture = HistoryFixture()
    fixture.base.script("configure.d/10-a", "exit 0")
    #expect(fixture.refresh().status == 0)
    let stored = fixture.history(["export", "--format", "otlp"]).stdoutText
    let erase = FleetTools.run(
      "/usr/bin/python3",
      [
        "-c",
        """
        import sqlite3, sys
        db = sqlite3.connect(sys.argv[1])
        db.execute("UPDATE runs SET trace_id = NULL, span_id = NULL, parent_span_id = NULL")
        db.execute("UPDATE phases SET span_id = NULL")
        db.execute("UPDATE scripts SET span_id = NULL")
        db.commit()
        """, fixture.database,
      ])
    #expect(erase.status == 0, "\(erase.stderr)")
    let first = fixture.history(["export", "--format", "otlp"])
    let second = fixture.history(["export", "--format", "otlp"])
    #expect(first.status == 0 && !first.stdoutText.isEmpty && first.stdoutText == second.stdoutText)
    #expect(first.stdoutText != stored)
    let file = fixture.scratch.write("exported.jsonl", first.stdoutText)
    let trace = try #require(try FleetTools.parseOTLP(file).first)
    #expect(trace.span("10-a")?.depth == 2)
  }

  /// A run killed outright (SIGKILL) is abandoned: it exports as a trace
  /// whose root is an ERROR without an exit status, its script ended where
  /// the record stops; a run still going is left out.
  @Test func anAbandonedRunExportsAndARunningOneWaits() throws {
    let fixture = HistoryFixture()
    fixture.base.script(
      "configure.d/10-wait",
      "echo $$ > \(fixture.scratch.url("wait.pid")); touch \(fixture.scratch.url("ready")); sleep 30")
    let running = fixture.startRefresh()
    #expect(waitUntil(seconds: 20) { fixture.scratch.exists("ready") })
    let meanwhile = fixture.history(["export", "--format", "otlp"])
    #expect(meanwhile.status == 0 && meanwhile.stdoutText.isEmpty)
    running.signal(SIGKILL)
    _ = running.wait(atMost: 20)
    if let orphan = fixture.pid("wait.pid") { kill(orphan, SIGKILL) }
    #expect(try fixture.statuses() == [.abandoned])
    let exported = fixture.history(["export", "--format", "otlp"])
    #expect(exported.status == 0)
    #expect(!exported.stdoutText.contains("process.exit.code"))
    let file = fixture.scratch.write("abandoned.jsonl", exported.stdoutText)
    let trace = try #require(try FleetTools.parseOTLP(file).first)
    #expect(trace.span("os-refresh-config")?.status == 2)
    #expect(trace.span("10-wait")?.status == 2)
    #expect(fixture.history(["plot", "latest"]).status == 0)
  }

  /// A script sees TRACEPARENT naming the run's trace and its own span;
  /// given a TRACEPARENT, the run's root is its child and TRACESTATE passes on.
  @Test func scriptsJoinTheRunsTraceAndTheRunJoinsOurs() throws {
    let fixture = HistoryFixture()
    let otlp = fixture.scratch.url("traces.jsonl")
    fixture.base.script(
      "configure.d/10-context", "echo \"$TRACEPARENT $TRACESTATE\" > \(fixture.scratch.url("seen"))")
    #expect(fixture.refresh(["--otlp-file", otlp, "--no-history"]).status == 0)
    var seen = try #require(fixture.scratch.read("seen")).split(separator: " ").map(String.init)
    var trace = try #require(try FleetTools.parseOTLP(otlp).last)
    var script = try #require(trace.span("10-context"))
    #expect(seen.first == "00-\(trace.trace)-\(script.id)-01")
    #expect(trace.rootParent == nil)

    let given = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    #expect(
      fixture.refresh(
        ["--otlp-file", otlp], environment: ["TRACEPARENT": given, "TRACESTATE": "congo=t61rcWkgMzE"]
      ).status == 0)
    seen = try #require(fixture.scratch.read("seen")).split(separator: " ").map(String.init)
    trace = try #require(try FleetTools.parseOTLP(otlp).last)
    script = try #require(trace.span("10-context"))
    #expect(trace.trace == "0af7651916cd43dd8448eb211c80319c")
    #expect(trace.rootParent == "b7ad6b7169203331")
    #expect(seen == ["00-0af7651916cd43dd8448eb211c80319c-\(script.id)-01", "congo=t61rcWkgMzE\n"])
  }

  /// An invalid TRACEPARENT is ignored with a DEBUG line: a new trace, no
  /// parent, and the TRACESTATE that came with it dropped.
  @Test func anInvalidTraceParentIsIgnored() throws {
    let fixture = HistoryFixture()
    let otlp = fixture.scratch.url("traces.jsonl")
    fixture.base.script("configure.d/10-context", "echo \"$TRACEPARENT|$TRACESTATE\" > \(fixture.scratch.url("seen"))")
    let result = fixture.refresh(
      ["--otlp-file", otlp, "--log-level", "DEBUG"],
      environment: ["TRACEPARENT": "00-zz\u{1b}[2J", "TRACESTATE": "congo=1"])
    #expect(result.status == 0)
    #expect(
      result.stderr.contains("[DEBUG] TRACEPARENT ignored (not a W3C trace context): 00-zz\\x1b[2J\n"),
      "\(result.stderr)")
    let trace = try #require(try FleetTools.parseOTLP(otlp).last)
    #expect(trace.rootParent == nil)
    let seen = try #require(fixture.scratch.read("seen"))
    #expect(seen.hasPrefix("00-\(trace.trace)-") && seen.hasSuffix("-01|\n"))
  }

  /// --redact applies to every attribute and label.
  @Test func redactionReachesAttributesAndLabels() throws {
    let fixture = HistoryFixture()
    let otlp = fixture.scratch.url("traces.jsonl")
    let metrics = fixture.scratch.url("m.prom")
    fixture.base.script("configure.d/10-token-s3cr3tvalue", "exit 0")
    #expect(fixture.refresh(["--otlp-file", otlp, "--metrics-file", metrics, "--redact", "s3cr3t[a-z]+"]).status == 0)
    let line = try #require(fixture.scratch.read("traces.jsonl"))
    let text = try #require(fixture.scratch.read("m.prom"))
    #expect(!line.contains("s3cr3t") && !text.contains("s3cr3t"))
    #expect(line.contains("\"name\":\"10-token-<redacted>\""))
    #expect(text.contains("script=\"10-token-<redacted>\""))
  }
}
