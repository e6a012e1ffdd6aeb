import RefreshVocabulary

/// A run as `history` lists it.
public struct RunSummary: Sendable, Equatable {
  public var id: Int64
  public var startedAt: Int64
  public var finishedAt: Int64?
  public var durationMicroseconds: Int64?
  public var status: RunStatus
  public var exitCode: Int64?
  public var baseDirectory: String
  /// Scripts found in the four phases' directories when the run started.
  public var plannedScripts: Int64
  /// Scripts of the four phases that were started.
  public var scriptsRun: Int64
  /// Whether it ended having found no script to run (a missing base
  /// directory): never taken as the last success.
  public var ranNoScript: Bool { status != .running && plannedScripts == 0 && scriptsRun == 0 }
  /// The phase that failed (or was in progress when the run was abandoned).
  public var failedPhase: Phase?
  /// The phase of the script that failed.
  public var failedScriptPhase: Phase?
  /// The name of the script that failed.
  public var failedScript: String?
  public var failedExitCode: Int64?
  public var failedSignal: Int64?
  /// Heat deployments its scripts ran whose hook failed (heat-config exits 0 all the same).
  public var deploymentsFailed: Int64 = 0
  /// The last of them, by name.
  public var failedDeployment: String? = nil

  /// Whether it succeeded and so did every Heat deployment it ran (a failed
  /// deployment is a failed deploy, though heat-config exits 0).
  public var succeededWholly: Bool { status == .success && deploymentsFailed == 0 }
}

/// An input file of a run, as recorded.
public struct InputSummary: Sendable, Equatable {
  public var kind: InputKind
  public var path: String
  public var sha256: String?
  public var error: String?
  /// Where its name came from; nil for environment.d files and older runs.
  public var source: String?
}

/// The size of one captured stream.
public struct StreamSummary: Sendable, Equatable {
  public var bytes: Int64
  public var truncated: Bool
}

/// A script of a run, as recorded.
public struct ScriptDetail: Sendable, Equatable {
  public var id: Int64
  public var phase: Phase
  public var name: String
  public var path: String
  public var position: Int64
  public var sha256: String?
  public var status: ScriptStatus
  public var exitCode: Int64?
  public var signal: Int64?
  public var startedAt: Int64
  public var finishedAt: Int64?
  public var durationMicroseconds: Int64?
  public var error: String?
  public var stdout: StreamSummary
  public var stderr: StreamSummary
  /// One channel carried stdout and stderr: `stdout` holds both, in the order written.
  public var combinedOutput = false
  /// The script wrote to a pseudo-terminal.
  public var terminal = false
  /// Its span in the run's trace; nil for runs recorded before spans were kept.
  public var spanID: SpanID? = nil
}

/// A phase of a run with its scripts.
public struct PhaseDetail: Sendable, Equatable {
  public var name: Phase
  public var status: PhaseStatus
  public var startedAt: Int64?
  public var durationMicroseconds: Int64?
  public var scripts: [ScriptDetail]
  /// Why environment.d failed for this phase, when it did.
  public var environmentFailure: EnvironmentFailureRecord?
  /// Its span in the run's trace; nil for phases that never started and
  /// runs recorded before spans were kept.
  public var spanID: SpanID? = nil
}

/// Everything recorded of one run.
public struct RunDetail: Sendable, Equatable {
  public var summary: RunSummary
  public var hostname: String
  public var pid: Int64
  public var version: String
  /// The command line as a JSON array.
  public var commandLine: String
  public var inputs: [InputSummary]
  /// The four phases in order (those never recorded show as `skipped`), then
  /// `error` when error.d ran.
  public var phases: [PhaseDetail]
  /// The run's trace; nil for runs recorded before traces were kept.
  public var trace: RunTrace? = nil
  /// The Heat deployments its scripts ran, in the order signalled.
  public var deployments: [DeploymentRecord] = []
  /// How it watched the node's files, with counts; nil when it did not.
  public var files: FileWatchSummary? = nil
  /// Its seal (the MAC of its chain value), nil when it has none.
  public var seal: String? = nil
}

/// An input file of a run with its kept content, for comparisons.
public struct StoredInput: Sendable, Equatable {
  public var kind: InputKind
  public var path: String
  public var sha256: String?
  /// The kept content (`OS_CONFIG_FILES` files), nil when not kept; for a
  /// template, the keys it names, one per line.
  public var content: [UInt8]?
  /// Where its name came from; for a template, the templates root.
  public var source: String?

  /// Creates a stored input.
  public init(kind: InputKind, path: String, sha256: String?, content: [UInt8]?) {
    self.kind = kind
    self.path = path
    self.sha256 = sha256
    self.content = content
  }
}

/// One run of one script, for its timeline.
public struct TimelineEntry: Sendable, Equatable {
  public var runID: Int64
  public var startedAt: Int64
  public var status: ScriptStatus
  public var exitCode: Int64?
  public var signal: Int64?
  public var durationMicroseconds: Int64?
  public var sha256: String?
}

/// How one script has done across runs.
public struct ScriptStatistics: Sendable, Equatable {
  public var phase: Phase
  public var name: String
  public var runs: Int64
  /// Runs that ended other than `success` (running ones not counted).
  public var failures: Int64
  public var medianMicroseconds: Int64?
  public var p95Microseconds: Int64?
  public var lastFailureRun: Int64?
  public var lastFailureAt: Int64?
}

/// What a prune removed.
public struct PruneReport: Sendable, Equatable {
  public var runs: Int64 = 0
  public var scripts: Int64 = 0
  public var contents: Int64 = 0
  public var contentBytes: Int64 = 0
}
