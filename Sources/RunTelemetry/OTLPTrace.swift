import ContentEncoding
import RefreshStore
import RefreshVocabulary

/// A run as one line of the OTLP file exporter's format: a `TracesData`
/// object in OTLP JSON (ids as lowercase hex, 64-bit integers as strings,
/// enums as numbers), which the OpenTelemetry Collector's `otlpjsonfile`
/// receiver reads.
///
/// One span for the run, a child for each phase that started (error.d
/// included), a grandchild for each script. Attributes follow the semantic
/// conventions where there is one (`service.*`, `host.name`,
/// `process.exit.code`); ours are `os_refresh_config.*`. No script output
/// and no metadata go into a span; every string attribute goes through
/// `redact` (the run's `--redact` expressions).
public struct OTLPTrace {
  let run: TracedRun
  let redact: (String) -> String

  /// The trace of `run`, its text attributes passed through `redact`.
  public init(_ run: TracedRun, redact: @escaping (String) -> String = { $0 }) {
    self.run = run
    self.redact = redact
  }

  /// `SPAN_KIND_INTERNAL`: every span is work inside this process or its children.
  static let internalKind: Int64 = 1
  /// `STATUS_CODE_ERROR`.
  static let errorStatus: Int64 = 2

  /// The `TracesData` object, on one line (no newline).
  public var line: String {
    let resource = JSONText.object([
      (
        "attributes",
        .array([
          attribute("service.name", "os-refresh-config"), attribute("service.version", run.version),
          attribute("host.name", run.hostname),
        ])
      )
    ])
    let scope = JSONText.object([("name", .string("os-refresh-config")), ("version", .string(run.version))])
    return JSONText.object([
      (
        "resourceSpans",
        .array([
          .object([
            ("resource", resource),
            ("scopeSpans", .array([.object([("scope", scope), ("spans", .array(spans))])])),
          ])
        ])
      )
    ]).rendered
  }

  /// The run's span, then each phase's followed by its scripts'.
  var spans: [JSONText] {
    var attributes = [
      attribute("os_refresh_config.run.status", run.status.rawValue),
      attribute("os_refresh_config.base_dir", run.baseDirectory),
    ]
    if let code = run.exitCode { attributes.append(integer("process.exit.code", code)) }
    if let id = run.runID { attributes.insert(integer("os_refresh_config.run.id", id), at: 0) }
    // The seal leaves the node here: `history verify --witness` checks against it.
    if let seal = run.seal { attributes.append(attribute("os_refresh_config.run.seal", seal)) }
    // What `why` names first: a trace search finds every run a cause broke.
    if let cause = run.cause {
      attributes += [
        attribute("os_refresh_config.cause.kind", cause.kind),
        attribute("os_refresh_config.cause.subject", cause.subject(redactedBy: redact)),
      ]
    }
    let failure =
      run.status == .success
      ? nil : "run \(run.status.rawValue)" + (run.exitCode.map { ", exit status \($0)" } ?? "")
    if let files = run.files {
      attributes += [
        attribute("os_refresh_config.files.method", files.watch.method.rawValue),
        integer("os_refresh_config.files.changed", files.changedByRefresh),
        integer("os_refresh_config.files.changed_outside", files.changedOutside),
        integer("os_refresh_config.files.drifted", files.drifted),
      ]
    }
    var spans = [
      span(
        "os-refresh-config", id: run.trace.spanID, parent: run.trace.parentSpanID, run.startedAt, run.finishedAt,
        attributes, failure: failure, events: fileEvents { $0.script == nil })
    ]
    for phase in run.phases {
      let start = min(max(phase.startedAt, run.startedAt), run.finishedAt)
      let end = max(min(phase.finishedAt, run.finishedAt), start)
      var phaseAttributes = [
        attribute("os_refresh_config.phase", phase.phase.rawValue),
        attribute("os_refresh_config.phase.status", phase.status.rawValue),
      ]
      if let file = phase.environmentFailure {
        phaseAttributes.append(attribute("os_refresh_config.environment.failed_file", file))
      }
      let failed = [.failed, .abandoned].contains(phase.status) ? "phase \(phase.status.rawValue)" : nil
      spans.append(
        span(
          phase.phase.rawValue, id: phase.spanID, parent: run.trace.spanID, start, end, phaseAttributes,
          failure: failed))
      for script in phase.scripts {
        spans.append(scriptSpan(script, parent: phase.spanID, within: start...end))
      }
    }
    return spans
  }

  private func scriptSpan(_ script: TracedScript, parent: SpanID, within bounds: ClosedRange<Int64>) -> JSONText {
    var attributes = [
      attribute("os_refresh_config.phase", script.phase.rawValue),
      attribute("os_refresh_config.script.name", script.name),
      attribute("os_refresh_config.script.path", script.path),
      attribute("os_refresh_config.script.status", script.status.rawValue),
    ]
    if let digest = script.sha256 { attributes.append(attribute("os_refresh_config.script.sha256", digest)) }
    if let code = script.exitCode { attributes.append(integer("process.exit.code", code)) }
    if let signal = script.signal { attributes.append(integer("os_refresh_config.script.signal", signal)) }
    // Kept inside the phase: wall-clock starts and monotonic durations can
    // disagree by microseconds when the clock is slewed.
    let start = min(max(script.startedAt, bounds.lowerBound), bounds.upperBound)
    let end = max(min(script.finishedAt, bounds.upperBound), start)
    let events = fileEvents { $0.phase == script.phase && $0.script == script.name && $0.byRefresh }
    return span(
      script.name, id: script.spanID, parent: parent, start, end, attributes, failure: script.failure, events: events)
  }

  /// Span events for the recorded file changes `belongs` picks (path and
  /// how it changed, never content): `file.changed` by a script,
  /// `file.changed_outside` by another process during the run,
  /// `file.drifted` found at its start.
  private func fileEvents(_ belongs: (FileChangeRecord) -> Bool) -> [JSONText] {
    (run.files?.first ?? []).filter(belongs).map { change in
      let name =
        change.found == .beforeRun ? "file.drifted" : change.byRefresh ? "file.changed" : "file.changed_outside"
      var attributes = [
        attribute("file.path", change.path), attribute("os_refresh_config.file.change", change.change.rawValue),
      ]
      if let from = change.renamedFrom { attributes.append(attribute("os_refresh_config.file.renamed_from", from)) }
      return .object([
        ("timeUnixNano", .string(Self.nanoseconds(change.seenAt))), ("name", .string(name)),
        ("attributes", .array(attributes)),
      ])
    }
  }

  private func span(
    _ name: String, id: SpanID, parent: SpanID?, _ start: Int64, _ end: Int64, _ attributes: [JSONText],
    failure: String?, events: [JSONText] = []
  ) -> JSONText {
    var members: [(String, JSONText)] = [
      ("traceId", .string(run.trace.traceID.hex)), ("spanId", .string(id.hex)),
    ]
    if let state = run.trace.traceState { members.append(("traceState", .string(state))) }
    if let parent { members.append(("parentSpanId", .string(parent.hex))) }
    members += [
      ("name", .string(redact(name))), ("kind", .integer(Self.internalKind)),
      ("startTimeUnixNano", .string(Self.nanoseconds(start))), ("endTimeUnixNano", .string(Self.nanoseconds(end))),
      ("attributes", .array(attributes)),
    ]
    if !events.isEmpty { members.append(("events", .array(events))) }
    if let failure {
      members.append(
        ("status", .object([("message", .string(redact(failure))), ("code", .integer(Self.errorStatus))])))
    }
    return .object(members)
  }

  private func attribute(_ key: String, _ value: String) -> JSONText {
    .object([("key", .string(key)), ("value", .object([("stringValue", .string(redact(value)))]))])
  }

  private func integer(_ key: String, _ value: Int64) -> JSONText {
    .object([("key", .string(key)), ("value", .object([("intValue", .string(String(value)))]))])
  }

  /// Microseconds as the decimal string of nanoseconds OTLP JSON wants.
  static func nanoseconds(_ microseconds: Int64) -> String {
    microseconds <= 0 ? "0" : String(microseconds) + "000"
  }
}
