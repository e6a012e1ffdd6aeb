import RefreshVocabulary
import SystemInterface

/// What a refresh needs to know before it starts.
public struct RefreshConfiguration {
  /// The directory holding `pre-configure.d` … `migration.d`, `error.d` and `environment.d`.
  public var baseDirectory: String
  /// Seconds from the start of the run after which the running script and
  /// every process it started are killed; nil (or 0) for no limit.
  public var timeoutSeconds: Int? {
    didSet { timeoutNanoseconds = Self.nanoseconds(timeoutSeconds) }
  }
  /// The same limit in nanoseconds, which tests may set finer.
  public var timeoutNanoseconds: Int64?
  /// Seconds a script's processes get after a passed-on termination signal before SIGKILL.
  public var killAfterSeconds: Int
  /// The names scripts must match (`RUN_PARTS_REGEX`).
  public var scriptPattern: RunPartsPattern
  /// The environment scripts inherit, before environment.d.
  public var environment: ProcessEnvironment
  /// Our command line, for the record.
  public var arguments: [String]
  /// Where scripts' output is copied as it comes: our stdout and stderr.
  public var passThrough: (stdout: Int32, stderr: Int32)
  /// How scripts' stdout and stderr are connected; nil to match where ours
  /// go (OutputChannels.matching), as the binary does.
  public var outputChannels: OutputChannels?
  /// Whether we are the subreaper: orphans of scripts come back to us, count
  /// in their script's family (a timeout kills them too) and are reaped by
  /// us. Only a process whose every child is the runner's may say yes; a
  /// host with children of its own (a test process) says no.
  public var adoptsOrphans: Bool
  /// The run's trace; nil to continue the `TRACEPARENT` of ``environment``
  /// when it is valid, else to start a new one.
  public var trace: RunTrace?

  /// Creates a configuration; the defaults are those of the reference.
  public init(
    baseDirectory: String,
    timeoutSeconds: Int? = nil,
    killAfterSeconds: Int = 10,
    scriptPattern: RunPartsPattern,
    environment: ProcessEnvironment,
    arguments: [String] = [],
    passThrough: (stdout: Int32, stderr: Int32) = (STDOUT_FILENO, STDERR_FILENO),
    adoptsOrphans: Bool = true
  ) {
    self.baseDirectory = baseDirectory
    self.timeoutSeconds = timeoutSeconds
    self.timeoutNanoseconds = Self.nanoseconds(timeoutSeconds)
    self.killAfterSeconds = killAfterSeconds
    self.scriptPattern = scriptPattern
    self.environment = environment
    self.arguments = arguments
    self.passThrough = passThrough
    self.adoptsOrphans = adoptsOrphans
  }

  private static func nanoseconds(_ seconds: Int?) -> Int64? {
    guard let seconds, seconds > 0 else { return nil }
    return Int64(seconds) * 1_000_000_000
  }

  /// The path of `name` inside the base directory.
  func path(_ name: String) -> String { joinPath(baseDirectory, name) }
}
