import Foundation
import RefreshVocabulary

/// The documented `--json` contract (docs/history.md, "The JSON contract"), as types every
/// black-box test decodes through: a field renamed, retyped or dropped, or a
/// status outside the vocabulary, fails the decoding.
public enum JSONContract {
  /// Decodes `data` as `T`, with the contract's snake_case keys.
  public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(T.self, from: data)
  }

  /// One run of `history --json`.
  public struct RunSummary: Decodable, Sendable {
    public let id: Int64
    public let status: RunStatus
    public let startedAt: String
    public let finishedAt: String?
    public let durationS: Double?
    public let exitCode: Int?
    public let baseDir: String
    public let failedPhase: Phase?
    public let failedScript: String?
    public let failedExitCode: Int?
    public let failedSignal: Int?
    public let scriptsRun: Int
    public let scriptsPlanned: Int
    /// It found no script at all: never the last success.
    public let ranNoScript: Bool
    /// Heat deployments its scripts ran whose hook failed, and the last of them.
    public let deploymentsFailed: Int
    public let failedDeployment: String?
  }

  /// `history verify --json`.
  public struct Verify: Decodable, Sendable {
    public struct Problem: Decodable, Sendable {
      public let run: Int64?
      public let kind: String
      public let detail: String
    }
    public let ok: Bool
    public let runsChecked: Int
    public let firstBrokenRun: Int64?
    public let recordedBeforeSealing: Int
    public let keyChecked: Bool
    public let witnessSeals: Int?
    public let initialKeyOnNode: Bool
    public let unsealedPrunes: Int
    public let problems: [Problem]
  }

  /// `history show RUN --json`, and one line of `history export`: the
  /// summary's fields (read through it, `run.status`) and the details.
  @dynamicMemberLookup
  public struct RunDetail: Decodable, Sendable {
    public let summary: RunSummary
    public let hostname: String, pid: Int64, version: String
    /// The run's trace and root span, hex; nil for runs recorded before traces.
    public let traceId: String?, spanId: String?, parentSpanId: String?
    public let commandLine: [String]
    public let inputs: [Input]
    public let phases: [PhaseRecord]
    public let deployments: [Deployment]
    /// The run's seal; nil before sealing.
    public let seal: String?

    private enum CodingKeys: String, CodingKey {
      case hostname, pid, version, traceId, spanId, parentSpanId, commandLine, inputs, phases, deployments, seal
    }

    public init(from decoder: Decoder) throws {
      summary = try RunSummary(from: decoder)
      let container = try decoder.container(keyedBy: CodingKeys.self)
      hostname = try container.decode(String.self, forKey: .hostname)
      pid = try container.decode(Int64.self, forKey: .pid)
      version = try container.decode(String.self, forKey: .version)
      traceId = try container.decode(String?.self, forKey: .traceId)
      spanId = try container.decode(String?.self, forKey: .spanId)
      parentSpanId = try container.decode(String?.self, forKey: .parentSpanId)
      commandLine = try container.decode([String].self, forKey: .commandLine)
      seal = try container.decode(String?.self, forKey: .seal)
      inputs = try container.decode([Input].self, forKey: .inputs)
      phases = try container.decode([PhaseRecord].self, forKey: .phases)
      deployments = try container.decode([Deployment].self, forKey: .deployments)
    }

    /// The summary's fields, as `run.status`.
    public subscript<Value>(dynamicMember field: KeyPath<RunSummary, Value>) -> Value { summary[keyPath: field] }

    /// The scripts of every phase, in order.
    public var scripts: [Script] { phases.flatMap(\.scripts) }
  }

  /// A Heat deployment a run's script ran, as heat-config signalled it.
  public struct Deployment: Decodable, Sendable {
    public let name: String, id: String, group: String?, action: String?
    public let statusCode: Int, succeeded: Bool
    public let phase: Phase, script: String, signalledAt: String
    public let deployStdout: String, deployStderr: String
  }

  /// An input file of a run.
  public struct Input: Decodable, Sendable {
    public let kind: InputKind, path: String, sha256: String?, hmacSha256: String?, error: String?, source: String?
  }

  /// A phase of a run.
  public struct PhaseRecord: Decodable, Sendable {
    public let name: Phase, status: PhaseStatus
    public let startedAt: String?, durationS: Double?
    public let environmentFailure: EnvironmentFailure?
    public let scripts: [Script]
  }

  /// Where and how sourcing environment.d failed for a phase.
  public struct EnvironmentFailure: Decodable, Sendable, Equatable {
    public let file: String?, exitCode: Int?, signal: Int?
    public let output: String
    /// `stderr`, or `combined` when the shell's stdout and stderr were one channel.
    public let streams: String
  }

  /// A script of a run.
  public struct Script: Decodable, Sendable {
    public let name: String, path: String, sha256: String?
    public let status: ScriptStatus, exitCode: Int?, signal: Int?
    public let startedAt: String, finishedAt: String?, durationS: Double?
    public let error: String?
    public let stdout: Stream, stderr: Stream
    /// `separate`, or `combined`: stdout holds both streams in the order written.
    public let streams: String
    /// It wrote to a pseudo-terminal.
    public let terminal: Bool
  }

  /// One captured stream of a script.
  public struct Stream: Decodable, Sendable {
    public let bytes: Int64, truncated: Bool, text: String
  }

  /// `diff --json`.
  public struct Diff: Decodable, Sendable {
    public let from: DiffRun, to: DiffRun, differentBaseDirs: Bool
    public let inputs: [InputChange], scripts: [ScriptChange], outputs: [OutputChange]
    public let environmentFailures: [EnvironmentChange]
    /// Packages changed between the two runs' starts, and the logs read.
    public let packages: [PackageChange], packageLogs: [String]
  }

  /// A package installed, upgraded or removed between two runs.
  public struct PackageChange: Decodable, Sendable, Equatable {
    public let name: String, action: String, from: String?, to: String?, at: String
  }

  /// A phase whose environment.d failure differs between two runs.
  public struct EnvironmentChange: Decodable, Sendable {
    public let phase: Phase, change: String
    public let from: EnvironmentFailure?, to: EnvironmentFailure?
  }

  /// A run compared by `diff`.
  public struct DiffRun: Decodable, Sendable {
    public let id: Int64, status: RunStatus, baseDir: String
    public let failedPhase: Phase?, failedScript: String?
  }

  /// An input's change.
  public struct InputChange: Decodable, Sendable {
    public let kind: InputKind, path: String, change: String, note: String?
    public let secretsUncompared: Bool
    public let keys: [KeyChange]
  }

  /// A metadata key's change.
  public struct KeyChange: Decodable, Sendable {
    public let key: String, change: String, secret: Bool
    public let from: Value?, to: Value?
  }

  /// A JSON value, as metadata values are given.
  public indirect enum Value: Decodable, Equatable, Sendable {
    case string(String), number(Double), bool(Bool), null, array([Value]), object([String: Value])

    public init(from decoder: Decoder) throws {
      let container = try decoder.singleValueContainer()
      if container.decodeNil() {
        self = .null
      } else if let value = try? container.decode(Bool.self) {
        self = .bool(value)
      } else if let value = try? container.decode(Double.self) {
        self = .number(value)
      } else if let value = try? container.decode(String.self) {
        self = .string(value)
      } else if let value = try? container.decode([Value].self) {
        self = .array(value)
      } else {
        self = .object(try container.decode([String: Value].self))
      }
    }
  }

  /// A script's change.
  public struct ScriptChange: Decodable, Sendable {
    public let phase: Phase, name: String, change: String
    public let contentChanged: Bool, outcomeChanged: Bool, durationChanged: Bool, notReached: Bool
    public let from: Script?, to: Script?
  }

  /// A unified diff of a script's output.
  public struct OutputChange: Decodable, Sendable {
    public let phase: Phase, name: String, stream: ScriptStream, diff: String
  }

  /// One run of `history script PHASE/NAME --json`.
  public struct TimelineEntry: Decodable, Sendable {
    public let runId: Int64, startedAt: String
    public let status: ScriptStatus, exitCode: Int?, signal: Int?
    public let durationS: Double?, sha256: String?, contentChanged: Bool
  }

  /// One script of `history stats --json`.
  public struct Statistics: Decodable, Sendable {
    public let phase: Phase, name: String, runs: Int, failures: Int
    public let medianS: Double?, p95S: Double?
    public let lastFailureRun: Int64?, lastFailureAt: String?
  }

  /// `why --json`.
  public struct Why: Decodable, Sendable {
    public let run: Int64, status: RunStatus
    public let script: WhyScript?
    public let lastGoodRun: Int64?, firstBadRun: Int64?, failingRuns: Int, neverSucceeded: Bool
    public let causes: [Cause], errorLines: [String], packageLogs: [String]
    /// The failed Heat deployment explained, when no script failed.
    public let deployment: WhyDeployment?
  }

  /// A `Why`'s causes as "kind subject", best first.
  public static func causeLines(_ why: Why) -> [String] {
    why.causes.map { "\($0.kind.rawValue) \($0.subject)" }
  }

  /// A failed Heat deployment, for `why`.
  public struct WhyDeployment: Decodable, Sendable {
    public let name: String, id: String, group: String?, statusCode: Int
  }

  /// What failed, for `why`: a script, or `environment.d/NAME`.
  public struct WhyScript: Decodable, Sendable {
    public let phase: Phase, name: String, status: ScriptStatus
    public let exitCode: Int?, signal: Int?, durationS: Double?, typicalS: Double?
    /// The run's --timeout when it stopped the script.
    public let timeoutS: Int?
  }

  /// One candidate cause, ranked.
  public struct Cause: Decodable, Sendable {
    /// The contract's kinds.
    public enum Kind: String, Decodable, Sendable {
      case scriptChanged = "script_changed", scriptAdded = "script_added", scriptRemoved = "script_removed"
      case environmentChanged = "environment_changed", inputKeyChanged = "input_key_changed"
      case inputFileChanged = "input_file_changed", templateChanged = "template_changed"
      case packageChanged = "package_changed", systemChanged = "system_changed", intermittent
      case firstFailure = "first_failure", fileChanged = "file_changed"
    }
    public let rank: Int, kind: Kind, subject: String, evidence: String, direct: Bool, diff: String?
  }

  /// `status --json`.
  public struct Status: Decodable, Sendable {
    public let running: Bool
    public let run: Int64?, pid: Int64?, startedAt: String?, elapsedS: Double?
    /// The refresh's command line, masked; null when no refresh runs.
    public let command: String?
    public let phase: Phase?
    public let script: StatusScript?
    public let scriptsDone: Int, scriptsPlanned: Int?
    public let etaS: Double?, etaUnknownScripts: Int?
    /// What the run waits on: the first of its processes waiting on a lock or the network.
    public let waitsOn: WaitsOn?
    public let processes: [StatusProcess]
    public let lastRun: LastRun?
    /// Why the history cannot be read (exit status 4).
    public let historyError: String?
    /// The lock file's holder when it is not a refresh.
    public let lockHolder: LockHolder?
    /// Watched files the running refresh changed so far, and the last few.
    public let filesChanged: Int64?
    public let lastFiles: [StatusFile]
  }

  /// A file the running refresh changed.
  public struct StatusFile: Decodable, Sendable, Equatable {
    public let path: String, change: FileChangeKind, phase: Phase?, script: String?, byRefresh: Bool
  }

  /// A process holding the refresh's lock that is not a refresh.
  public struct LockHolder: Decodable, Sendable {
    public let pid: Int64, command: String
  }

  /// The script running now, with what it usually takes.
  public struct StatusScript: Decodable, Sendable {
    public let phase: Phase, name: String, startedAt: String
    public let elapsedS: Double, typicalS: Double?, p95S: Double?, typicalRuns: Int, longerThanUsual: Bool
  }

  /// One process of the running script's tree.
  public struct StatusProcess: Decodable, Sendable {
    public let pid: Int64, ppid: Int64, state: String, command: String, wchan: String?, elapsedS: Double?
    public let waitsOn: WaitsOn?
  }

  /// What a process waits on: a lock (`path`, `lock`, `holder_pid`) or TCP connections.
  public struct WaitsOn: Decodable, Sendable {
    public let kind: String
    public let path: String?, lock: String?, holderPid: Int64?
    public let connections: [Connection]?
  }

  /// A TCP connection a process holds.
  public struct Connection: Decodable, Sendable, Equatable {
    public let local: String, remote: String, state: String
  }

  /// The newest run that ended.
  public struct LastRun: Decodable, Sendable {
    public let id: Int64, status: RunStatus, exitCode: Int?, startedAt: String, finishedAt: String?
    public let failedPhase: Phase?, failedScript: String?
  }
}
