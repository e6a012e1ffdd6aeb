import ContentEncoding
import RefreshStore
import RefreshVocabulary
import SystemInterface

/// The `--json` contract of `history`: field names and types documented in
/// docs/history.md and kept stable for tools.
public enum RunJSON {
  /// Reads one stream of a script's captured output.
  public typealias OutputReader = (ScriptDetail, ScriptStream) throws -> CapturedStream

  public static func time(_ microseconds: Int64?) -> JSONText {
    microseconds.map { .string(Timestamp.utcISO8601($0)) } ?? .null
  }

  public static func seconds(_ microseconds: Int64?) -> JSONText {
    microseconds.map { .decimal(Double($0) / 1_000_000, decimals: 6) } ?? .null
  }

  public static func integer(_ value: Int64?) -> JSONText { value.map { .integer($0) } ?? .null }

  public static func string(_ value: String?) -> JSONText { value.map { .string($0) } ?? .null }

  /// The fields of one run in `history --json`.
  public static func summaryFields(_ run: RunSummary) -> [(String, JSONText)] {
    [
      ("id", .integer(run.id)),
      ("status", .string(run.status.rawValue)),
      ("started_at", time(run.startedAt)),
      ("finished_at", time(run.finishedAt)),
      ("duration_s", seconds(run.durationMicroseconds)),
      ("exit_code", integer(run.exitCode)),
      ("base_dir", .string(run.baseDirectory)),
      ("failed_phase", string(run.failedPhase?.rawValue)),
      ("failed_script", string(run.failedScript)),
      ("failed_exit_code", integer(run.failedExitCode)),
      ("failed_signal", integer(run.failedSignal)),
      ("scripts_run", .integer(run.scriptsRun)),
      ("scripts_planned", .integer(run.plannedScripts)),
      ("ran_no_script", .bool(run.ranNoScript)),
      ("deployments_failed", .integer(run.deploymentsFailed)),
      ("failed_deployment", string(run.failedDeployment)),
    ]
  }

  /// `history show RUN --json`.
  public static func detail(_ run: RunDetail, output: OutputReader) rethrows -> JSONText {
    var fields = summaryFields(run.summary)
    fields += [
      ("hostname", .string(run.hostname)),
      ("pid", .integer(run.pid)),
      ("version", .string(run.version)),
      ("trace_id", string(run.trace?.traceID.hex)),
      ("span_id", string(run.trace?.spanID.hex)),
      ("parent_span_id", string(run.trace?.parentSpanID?.hex)),
      ("command_line", .raw(run.commandLine.isEmpty ? "[]" : run.commandLine)),
      (
        "inputs",
        .array(
          run.inputs.map { input in
            .object([
              ("kind", .string(input.kind.rawValue)), ("path", .string(input.path)),
              // sha256 is the file's SHA-256 or null; a keyed digest has its own field.
              ("sha256", string(ContentDigest.kind(of: input.sha256).sha256)),
              ("hmac_sha256", string(ContentDigest.kind(of: input.sha256).hmacSHA256)),
              ("error", string(input.error)), ("source", string(input.source)),
            ])
          })
      ),
      (
        "phases",
        .array(
          try run.phases.map { phase in
            .object([
              ("name", .string(phase.name.rawValue)), ("status", .string(phase.status.rawValue)),
              ("started_at", time(phase.startedAt)), ("duration_s", seconds(phase.durationMicroseconds)),
              ("environment_failure", phase.environmentFailure.map(environmentFailure) ?? .null),
              ("scripts", .array(try phase.scripts.map { try script($0, output: output) })),
            ])
          })
      ),
      ("deployments", .array(run.deployments.map(deployment))),
      // The run's seal (docs/history.md#sealed-runs); null before sealing.
      ("seal", string(run.seal)),
    ]
    return .object(fields)
  }

  /// A Heat deployment a script ran, as heat-config signalled it.
  public static func deployment(_ deployment: DeploymentRecord) -> JSONText {
    .object([
      ("name", .string(deployment.name)), ("id", .string(deployment.deploymentID)),
      ("group", string(deployment.group)), ("action", string(deployment.action)),
      ("status_code", .integer(deployment.statusCode)), ("succeeded", .bool(deployment.succeeded)),
      ("phase", .string(deployment.phase.rawValue)), ("script", .string(deployment.script)),
      ("signalled_at", time(deployment.signalledAt)),
      ("deploy_stdout", .string(String(decoding: deployment.stdout, as: UTF8.self))),
      ("deploy_stderr", .string(String(decoding: deployment.stderr, as: UTF8.self))),
    ])
  }

  public static func script(_ script: ScriptDetail, output: OutputReader) rethrows
    -> JSONText
  {
    func stream(_ name: ScriptStream, _ summary: StreamSummary) throws -> JSONText {
      let captured = try output(script, name)
      return .object([
        ("bytes", .integer(summary.bytes)), ("truncated", .bool(summary.truncated)),
        ("text", .string(String(decoding: captured.kept, as: UTF8.self))),
      ])
    }
    return .object([
      ("name", .string(script.name)), ("path", .string(script.path)), ("sha256", string(script.sha256)),
      ("status", .string(script.status.rawValue)), ("exit_code", integer(script.exitCode)),
      ("signal", integer(script.signal)),
      ("started_at", time(script.startedAt)), ("finished_at", time(script.finishedAt)),
      ("duration_s", seconds(script.durationMicroseconds)), ("error", string(script.error)),
      (ScriptStream.stdout.rawValue, try stream(.stdout, script.stdout)),
      (ScriptStream.stderr.rawValue, try stream(.stderr, script.stderr)),
      // "combined": stdout and stderr were one channel; "stdout" holds both
      // in the order written and "stderr" is empty.
      ("streams", .string(script.combinedOutput ? "combined" : "separate")),
      ("terminal", .bool(script.terminal)),
    ])
  }

  /// Where and how sourcing environment.d failed, and what its shell said.
  public static func environmentFailure(_ failure: EnvironmentFailureRecord) -> JSONText {
    .object([
      ("file", string(failure.file)), ("exit_code", integer(failure.exitCode)), ("signal", integer(failure.signal)),
      ("output", .string(String(decoding: failure.output, as: UTF8.self))),
      ("streams", .string(failure.combinedOutput ? "combined" : ScriptStream.stderr.rawValue)),
    ])
  }
}
