import RefreshVocabulary
import SystemInterface
import TestSupport
import Testing

@testable import RunTelemetry

/// W3C trace context: what is accepted, what is ignored, what scripts get.
@Suite struct TraceContextTests {
  static let given = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

  @Test func aValidTraceParentIsContinued() throws {
    let parent = try #require(TraceParent(Self.given))
    #expect(parent.traceID.hex == "0af7651916cd43dd8448eb211c80319c")
    #expect(parent.spanID.hex == "b7ad6b7169203331")
    let trace = RunTrace.start(traceParent: Self.given, traceState: "congo=t61rcWkgMzE")
    #expect(trace.traceID == parent.traceID)
    #expect(trace.parentSpanID == parent.spanID)
    #expect(trace.spanID != parent.spanID)
    #expect(trace.traceState == "congo=t61rcWkgMzE")
    let span = try #require(SpanID(0x1234))
    #expect(trace.traceParent(for: span) == "00-0af7651916cd43dd8448eb211c80319c-0000000000001234-01")
  }

  /// An upstream that did not sample the trace is followed: scripts are
  /// told it is not sampled either; other flags are not passed on.
  @Test func theSampledFlagIsPassedThrough() throws {
    let span = try #require(SpanID(0x1234))
    let unsampled = RunTrace.start(
      traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", traceState: nil)
    #expect(!unsampled.sampled)
    #expect(unsampled.traceParent(for: span) == "00-0af7651916cd43dd8448eb211c80319c-0000000000001234-00")
    let otherFlags = RunTrace.start(
      traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03", traceState: nil)
    #expect(otherFlags.traceParent(for: span) == "00-0af7651916cd43dd8448eb211c80319c-0000000000001234-01")
    #expect(RunTrace.start(traceParent: nil, traceState: nil).sampled, "a trace of our own is sampled")
  }

  @Test func invalidTraceParentsAreIgnored() {
    let invalid = [
      "", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
      "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      "00-00000000000000000000000000000000-b7ad6b7169203331-01",
      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
      "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x",
      "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      "0g-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    ]
    for text in invalid {
      #expect(TraceParent(text) == nil, "\(text)")
      let trace = RunTrace.start(traceParent: text, traceState: "a=b")
      #expect(trace.parentSpanID == nil && trace.traceState == nil, "\(text)")
    }
    // A later version may carry more fields; its first four are read.
    #expect(TraceParent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-future") != nil)
    // A tracestate with a control character or beyond 512 bytes is dropped.
    #expect(RunTrace.start(traceParent: Self.given, traceState: "a=\u{1b}[2J").traceState == nil)
    #expect(RunTrace.start(traceParent: Self.given, traceState: String(repeating: "a", count: 513)).traceState == nil)
  }

  @Test func newIdsAreRandomAndNeverZero() {
    let spans = Set((0..<1000).map { _ in SpanID.random() })
    #expect(spans.count == 1000)
    let traces = Set((0..<1000).map { _ in TraceID.random().hex })
    #expect(traces.count == 1000 && traces.allSatisfy { $0.utf8.count == 32 })
  }
}

/// A small run to render: a configure phase whose second script failed.
func sampleRun(scriptName: String = "20-b") -> TracedRun {
  let trace = RunTrace(traceID: TraceID(high: 1, low: 2)!, spanID: SpanID(10)!)
  let good = TracedScript(
    phase: .configure, name: "10-a", path: "/b/configure.d/10-a", spanID: SpanID(21)!, startedAt: 1_000_100,
    durationMicroseconds: 1_500, status: .success, exitCode: 0, signal: nil, sha256: "ab", error: nil)
  let bad = TracedScript(
    phase: .configure, name: scriptName, path: "/b/configure.d/20-b", spanID: SpanID(22)!, startedAt: 1_001_700,
    durationMicroseconds: 250_000, status: .failed, exitCode: 3, signal: nil, sha256: nil, error: nil)
  let phase = TracedPhase(
    phase: .configure, spanID: SpanID(20)!, startedAt: 1_000_050, durationMicroseconds: 252_000, status: .failed,
    environmentFailure: nil, scripts: [good, bad])
  return TracedRun(
    trace: trace, runID: 7, startedAt: 1_000_000, durationMicroseconds: 260_000, status: .failed, exitCode: 1,
    baseDirectory: "/b", hostname: "node-1", version: "0.1.0", phases: [phase])
}

@Suite struct MetricsTextTests {
  /// While a run is in progress: the last run's series, then the progress
  /// series; read back, only the last run's (and only our lines) are kept.
  @Test func theProgressSeriesFollowTheLastRunsAndAreDroppedWhenReadBack() {
    let progress = MetricsText.Progress(
      inProgress: true, runStartedAt: 5_000_000,
      script: .init(phase: .configure, name: "20-\"x\"", startedAt: 5_250_000))
    let finished = MetricsText(run: sampleRun(), history: nil).text
    let text = MetricsText(run: sampleRun(), history: nil, progress: progress).text
    #expect(text.hasPrefix(finished))
    #expect(
      text.dropFirst(finished.count)
        == """
        # HELP os_refresh_config_run_in_progress 1 while a run is in progress, else 0.
        # TYPE os_refresh_config_run_in_progress gauge
        os_refresh_config_run_in_progress 1
        # HELP os_refresh_config_run_start_timestamp_seconds When the run in progress, or else the last run, \
        started, in seconds since the Unix epoch.
        # TYPE os_refresh_config_run_start_timestamp_seconds gauge
        os_refresh_config_run_start_timestamp_seconds 5.000000
        # HELP os_refresh_config_current_script_start_timestamp_seconds When the script running now started, in \
        seconds since the Unix epoch.
        # TYPE os_refresh_config_current_script_start_timestamp_seconds gauge
        os_refresh_config_current_script_start_timestamp_seconds{phase="configure",script="20-\\"x\\""} 5.250000

        """)
    #expect(MetricsText.finishedRunSeries(of: text + "root:$6$hash:19000:0:99999:7:::\n# a comment\n") == finished)
    // Before any run ended: the progress series alone.
    let first = MetricsText(run: nil, history: nil, progress: MetricsText.Progress(inProgress: true, runStartedAt: 1))
    #expect(first.text.hasPrefix("# HELP os_refresh_config_run_in_progress "))
    #expect(!first.text.contains("last_run") && !first.text.contains("current_script"))
  }

  @Test func theLastRunWithTheHistorysCounters() {
    let history = MetricsText.History(totals: [.success: 4, .failed: 2], lastSuccessAt: 900_000_000)
    let text = MetricsText(run: sampleRun(), history: history).text
    #expect(text.contains("# TYPE os_refresh_config_last_run_success gauge\nos_refresh_config_last_run_success 0\n"))
    #expect(text.contains("os_refresh_config_last_run_timestamp_seconds 1.000000\n"))
    #expect(text.contains("os_refresh_config_last_run_duration_seconds 0.260000\n"))
    #expect(text.contains("os_refresh_config_last_run_exit_code 1\n"))
    #expect(text.contains("os_refresh_config_last_success_timestamp_seconds 900.000000\n"))
    #expect(text.contains("# TYPE os_refresh_config_runs_total counter\n"))
    #expect(text.contains("os_refresh_config_runs_total{status=\"success\"} 4\n"))
    #expect(text.contains("os_refresh_config_runs_total{status=\"timeout\"} 0\n"))
    #expect(!text.contains("status=\"running\""))
    #expect(text.contains("os_refresh_config_script_duration_seconds{phase=\"configure\",script=\"20-b\"} 0.250000\n"))
    #expect(text.contains("os_refresh_config_script_success{phase=\"configure\",script=\"10-a\"} 1\n"))
    #expect(text.contains("os_refresh_config_script_success{phase=\"configure\",script=\"20-b\"} 0\n"))
  }

  @Test func withoutAHistoryTheCountersAreAbsent() {
    let text = MetricsText(run: sampleRun(), history: nil).text
    #expect(!text.contains("runs_total"))
    // The run failed and nothing else is known of the last success.
    #expect(!text.contains("last_success_timestamp_seconds"))
  }

  /// `--redact` that makes two script names alike never makes two samples
  /// of one series (node_exporter would drop one: perhaps the failure).
  @Test func seriesStayUniqueWhenRedactionMakesNamesAlike() {
    let text = MetricsText(run: sampleRun(), history: nil, redact: { _ in "<redacted>" }).text
    #expect(text.contains("os_refresh_config_script_success{phase=\"configure\",script=\"<redacted>\"} 1\n"))
    #expect(text.contains("os_refresh_config_script_success{phase=\"configure\",script=\"<redacted>#2\"} 0\n"))
    let series = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ")[0] }
    #expect(Set(series).count == series.count, "\(series)")
  }

  /// The cause's subject is escaped, passes through --redact, and is cut
  /// at 256 bytes on a character (a key path can be long); the script too
  /// is redacted. The same subject goes on the root span.
  @Test func theCauseIsEscapedRedactedAndBounded() {
    var run = sampleRun()
    let long = String(repeating: "é", count: 200)
    run.cause = TracedCause(
      phase: .configure, script: "20-hunter2", kind: "input_key_changed", subject: "a\"b\n" + long)
    let redact = { (text: String) in text.replacing("hunter2", with: "<redacted>") }
    let text = MetricsText(run: run, history: nil, redact: redact).text
    let cut = "a\"b\n" + String(repeating: "é", count: 124) + "…"
    #expect(cut.utf8.count <= TracedCause.subjectLimit)
    let escaped = "a\\\"b\\n" + String(repeating: "é", count: 124) + "…"
    #expect(
      text.contains(
        "\nos_refresh_config_last_failure_cause_info{phase=\"configure\",script=\"20-<redacted>\","
          + "kind=\"input_key_changed\",subject=\"\(escaped)\"} 1\n"), "\(text)")
    let line = OTLPTrace(run, redact: redact).line
    #expect(line.contains(#"{"key":"os_refresh_config.cause.kind","value":{"stringValue":"input_key_changed"}}"#))
    #expect(line.contains("\"os_refresh_config.cause.subject\",\"value\":{\"stringValue\":\"a\\\"b\\n"))
    run.cause = nil
    #expect(!MetricsText(run: run, history: nil).text.contains("cause"))
  }

  @Test func labelValuesAreEscaped() {
    let text = MetricsText(run: sampleRun(scriptName: "a\\b\"c\nd"), history: nil).text
    #expect(text.contains("script=\"a\\\\b\\\"c\\nd\"} 0.250000\n"))
    #expect(MetricsText.seconds(-1_500_000) == "-1.500000")
  }
}

@Suite struct OTLPTraceTests {
  @Test func spansNestRunPhaseScriptWithHexIdsAndStringTimes() {
    let line = OTLPTrace(sampleRun()).line
    #expect(!line.contains("\n"))
    #expect(line.hasPrefix("{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\""))
    #expect(line.contains("\"traceId\":\"00000000000000010000000000000002\",\"spanId\":\"000000000000000a\""))
    #expect(
      line.contains("\"spanId\":\"0000000000000014\",\"parentSpanId\":\"000000000000000a\",\"name\":\"configure\""))
    #expect(line.contains("\"spanId\":\"0000000000000016\",\"parentSpanId\":\"0000000000000014\",\"name\":\"20-b\""))
    #expect(line.contains("\"startTimeUnixNano\":\"1001700000\",\"endTimeUnixNano\":\"1251700000\""))
    #expect(line.contains("\"status\":{\"message\":\"failed: exited 3\",\"code\":2}"))
    #expect(line.contains("{\"key\":\"process.exit.code\",\"value\":{\"intValue\":\"3\"}}"))
    #expect(line.contains("{\"key\":\"os_refresh_config.script.sha256\",\"value\":{\"stringValue\":\"ab\"}}"))
  }

  @Test func everyTextAttributePassesThroughRedaction() {
    let line = OTLPTrace(sampleRun(scriptName: "20-hunter2"), redact: { $0.replacing("hunter2", with: "<redacted>") })
      .line
    #expect(!line.contains("hunter2"))
    #expect(line.contains("\"name\":\"20-<redacted>\""))
  }

  @Test func aChildOutsideItsParentIsKeptInside() {
    var run = sampleRun()
    run.phases[0].scripts[1].durationMicroseconds = 10_000_000
    let line = OTLPTrace(run).line
    // The phase ends at 1_252_050 µs: so does its script.
    #expect(line.contains("\"startTimeUnixNano\":\"1001700000\",\"endTimeUnixNano\":\"1252050000\""))
  }
}

@Suite struct FleetOutputsTests {
  @Test func theMetricsFileDefaultsToNodeExportersDirectoryWhenItExists() throws {
    let directory = TemporaryDirectory("orc-textfile")
    var outputs = FleetOutputs.resolve(
      metricsOption: nil, otlpOption: nil, environment: [:], textfileDirectory: directory.path)
    #expect(outputs.metricsFile == directory.path + "/os-refresh-config.prom" && outputs.otlpFile == nil)
    outputs = FleetOutputs.resolve(
      metricsOption: nil, otlpOption: nil, environment: [:], textfileDirectory: directory.url("absent"))
    #expect(outputs.isEmpty)
    // The variable over the default, the option over the variable, '' for none.
    outputs = FleetOutputs.resolve(
      metricsOption: nil, otlpOption: nil,
      environment: ["OS_REFRESH_CONFIG_METRICS_FILE": "/m.prom", "OS_REFRESH_CONFIG_OTLP_FILE": "/t.jsonl"],
      textfileDirectory: directory.path)
    #expect(outputs == FleetOutputs(metricsFile: "/m.prom", otlpFile: "/t.jsonl"))
    outputs = FleetOutputs.resolve(
      metricsOption: "", otlpOption: "/o.jsonl", environment: ["OS_REFRESH_CONFIG_METRICS_FILE": "/m.prom"],
      textfileDirectory: directory.path)
    #expect(outputs == FleetOutputs(metricsFile: nil, otlpFile: "/o.jsonl"))
    #expect(FleetOutputs.defaultMetricsFile == "/var/lib/prometheus/node-exporter/os-refresh-config.prom")
  }
}
