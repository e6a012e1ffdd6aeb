import ContentEncoding
import RefreshVocabulary

/// One end of a script's captured output: the first and the last bytes kept,
/// and how many there were in all.
public struct CapturedStream: Sendable, Equatable {
  /// The first bytes (at most the limit).
  public var head: [UInt8]
  /// The bytes after the head that were kept: all of them when nothing was
  /// cut, else the last ones (at most the limit).
  public var tail: [UInt8]
  /// Every byte the script wrote to the stream.
  public var totalBytes: Int64
  /// Whether bytes between head and tail were dropped.
  public var truncated: Bool

  /// Creates a captured stream.
  public init(head: [UInt8] = [], tail: [UInt8] = [], totalBytes: Int64 = 0, truncated: Bool = false) {
    self.head = head
    self.tail = tail
    self.totalBytes = totalBytes
    self.truncated = truncated
  }

  /// Head and tail together: the kept bytes.
  public var kept: [UInt8] { head + tail }
}

/// An input file of a run.
public struct InputRecord: Sendable, Equatable {
  /// An `OS_CONFIG_FILES` file or an environment.d file.
  public var kind: InputKind
  public var path: String
  /// SHA-256 of the content; nil when it could not be read.
  public var sha256: String?
  /// The content, kept for `config` files.
  public var content: [UInt8]?
  /// Why it could not be read.
  public var error: String?
  /// Where its name came from (`OS_CONFIG_FILES`, a list file, fallback metadata).
  public var source: String?

  /// Creates an input record.
  public init(kind: InputKind, path: String, sha256: String?, content: [UInt8]? = nil, error: String? = nil) {
    self.kind = kind
    self.path = path
    self.sha256 = sha256
    self.content = content
    self.error = error
  }
}

/// What is known of a run when it starts.
public struct RunStart: Sendable {
  public var startedAt: Int64
  public var baseDirectory: String
  public var hostname: String
  public var pid: Int64
  public var bootID: String
  public var processStart: Int64
  /// The PID namespace the pid belongs to (`pid:[N]`), "" when unknown.
  public var pidNamespace: String = ""
  public var version: String
  public var commandLine: [String]
  public var plannedScripts: Int
  public var inputs: [InputRecord]
  /// The run's trace and root span; nil for records made without one.
  public var trace: RunTrace?
  /// The kernel release (`uname -r`); nil when unknown.
  public var kernel: String?

  /// Creates a run start record.
  public init(
    startedAt: Int64, baseDirectory: String, hostname: String, pid: Int64, bootID: String, processStart: Int64,
    pidNamespace: String = "", version: String, commandLine: [String], plannedScripts: Int, inputs: [InputRecord]
  ) {
    self.pidNamespace = pidNamespace
    self.startedAt = startedAt
    self.baseDirectory = baseDirectory
    self.hostname = hostname
    self.pid = pid
    self.bootID = bootID
    self.processStart = processStart
    self.version = version
    self.commandLine = commandLine
    self.plannedScripts = plannedScripts
    self.inputs = inputs
  }
}

/// What is known of a script when it starts.
public struct ScriptStart: Sendable {
  public var runID: Int64
  public var phase: Phase
  public var name: String
  public var path: String
  public var position: Int
  public var sha256: String?
  /// The script's content, stored once per distinct content.
  public var content: [UInt8]?
  public var startedAt: Int64
  /// The file's identity when it was read and hashed now: remembered, so
  /// the next run need not read it again.
  public var identity: FileIdentity?
  /// Not read now (its identity is unchanged): `sha256` is the one
  /// remembered, and its content is the one stored under it.
  public var contentByDigest = false
  /// The script's span in the run's trace.
  public var spanID: SpanID?

  /// Creates a script start record.
  public init(
    runID: Int64, phase: Phase, name: String, path: String, position: Int, sha256: String?, content: [UInt8]?,
    startedAt: Int64
  ) {
    self.runID = runID
    self.phase = phase
    self.name = name
    self.path = path
    self.position = position
    self.sha256 = sha256
    self.content = content
    self.startedAt = startedAt
  }
}

/// How a script ended.
public struct ScriptEnd: Sendable {
  public var finishedAt: Int64
  public var durationMicroseconds: Int64
  public var exitCode: Int64?
  public var signal: Int64?
  /// How it ended (never `running` or `abandoned`).
  public var status: ScriptStatus
  public var error: String?
  public var stdout: CapturedStream
  public var stderr: CapturedStream
  /// One channel carried stdout and stderr; `stdout` holds both, in order.
  public var combinedOutput: Bool
  /// The script wrote to a pseudo-terminal.
  public var terminal: Bool

  /// Creates a script end record.
  public init(
    finishedAt: Int64, durationMicroseconds: Int64, exitCode: Int64?, signal: Int64?, status: ScriptStatus,
    error: String?, stdout: CapturedStream, stderr: CapturedStream, combinedOutput: Bool = false,
    terminal: Bool = false
  ) {
    self.combinedOutput = combinedOutput
    self.terminal = terminal
    self.finishedAt = finishedAt
    self.durationMicroseconds = durationMicroseconds
    self.exitCode = exitCode
    self.signal = signal
    self.status = status
    self.error = error
    self.stdout = stdout
    self.stderr = stderr
  }
}

/// An environment.d file that failed while sourced for a phase.
public struct EnvironmentFailureRecord: Sendable, Equatable {
  /// The file; nil when the shell failed before the first one (or could not start).
  public var file: String?
  public var exitCode: Int64?
  public var signal: Int64?
  /// The last bytes the shell wrote to stderr (both streams when combined), secrets hidden.
  public var output: [UInt8]
  public var combinedOutput: Bool

  /// Creates a record.
  public init(file: String?, exitCode: Int64?, signal: Int64?, output: [UInt8], combinedOutput: Bool) {
    self.file = file
    self.exitCode = exitCode
    self.signal = signal
    self.output = output
    self.combinedOutput = combinedOutput
  }
}

/// A Heat SoftwareDeployment a script ran (heat-config's signal data for it).
public struct DeploymentRecord: Sendable, Equatable {
  /// The script that ran it.
  public var phase: Phase
  public var script: String
  /// Its name (stable), id (changes with every input), group and action.
  public var name: String
  public var deploymentID: String
  public var group: String?
  public var action: String?
  /// `deploy_status_code`: 0 when its hook succeeded.
  public var statusCode: Int64
  /// When heat-config wrote the signal data, UTC microseconds.
  public var signalledAt: Int64
  /// The last bytes of `deploy_stdout` and `deploy_stderr`, secrets hidden.
  public var stdout: [UInt8]
  public var stderr: [UInt8]

  /// Creates a record.
  public init(
    phase: Phase, script: String, name: String, deploymentID: String, group: String?, action: String?,
    statusCode: Int64, signalledAt: Int64, stdout: [UInt8], stderr: [UInt8]
  ) {
    (self.phase, self.script, self.name, self.deploymentID) = (phase, script, name, deploymentID)
    (self.group, self.action, self.statusCode, self.signalledAt) = (group, action, statusCode, signalledAt)
    (self.stdout, self.stderr) = (stdout, stderr)
  }

  /// Whether its hook succeeded.
  public var succeeded: Bool { statusCode == 0 }
}
