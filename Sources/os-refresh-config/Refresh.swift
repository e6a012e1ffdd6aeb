import ArgumentParser
import CommandLineSupport
import RefreshRunner
import RefreshSession
import RefreshStore
import RefreshVocabulary
import RunTelemetry
import RunViews
import SystemInterface

/// A refresh: `os-refresh-config refresh`, the default subcommand.
struct Refresh: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run the phases once (the default when no subcommand is given).")

  @OptionGroup var options: RefreshOptions

  func run() throws { try options.refresh() }
}

/// The reference's options, and ours.
struct RefreshOptions: ParsableArguments {
  /// Prints the base directory and exits, as the reference does.
  @Flag(help: "Print base dir and exit.")
  var printBase = false

  /// Prints the four phase names, tab-separated, and exits.
  @Flag(help: "Print phases (tab separated) and exit.")
  var printPhases = false

  /// The quietest level of message printed on stderr.
  @Option(help: "Least severe log messages shown on stderr.")
  var logLevel: LogLevelArgument = .INFO

  /// The file locked for the whole run, so two refreshes never overlap.
  @Option(help: "Lock file to prevent multiple running copies.")
  var lockfile: String = RunLock.defaultPath

  /// The limit on the whole run, after which the running script is killed.
  @Option(
    help: ArgumentHelp("Seconds until the current run will be terminated (0 to 31536000).", valueName: "seconds"))
  var timeout: Int?

  /// Where the phase directories are; overrides OS_REFRESH_CONFIG_BASE_DIR.
  @Option(
    help: ArgumentHelp(
      "Base directory holding the phase directories (default: $OS_REFRESH_CONFIG_BASE_DIR or \(BaseDirectory.defaultPath)).",
      valueName: "path"))
  var baseDir: String?

  /// How long a script gets after a passed-on SIGTERM, SIGINT or SIGHUP.
  @Option(
    help: ArgumentHelp(
      "Seconds a script's processes get after a passed-on termination signal before SIGKILL (0 to 86400).",
      valueName: "seconds"))
  var killAfter: Int = 10

  /// The history database's location.
  @OptionGroup var database: DatabaseOptions

  /// Turns recording off for this run.
  @Flag(help: "Do not record this run in the history database.")
  var noHistory = false

  /// Makes a history failure fatal, before any script runs.
  @Flag(help: "Refuse to run (exit 1) when the run cannot be recorded.")
  var requireHistory = false

  /// How much of each output stream the history keeps at each end.
  @Option(
    help: ArgumentHelp(
      "Bytes of each script's stdout and stderr kept at each end in the history (0 to 16777216).",
      valueName: "bytes"))
  var maxOutput: Int = 32 * 1024

  /// Runs kept in the history.
  @Option(
    help: ArgumentHelp(
      "Runs kept in the history; older ones are pruned at the end of the run (0 keeps all).", valueName: "count"))
  var keepRuns: Int = Retention.defaultKeepRuns

  /// The history file's byte budget.
  @Option(
    help: ArgumentHelp(
      // A default given with a transform is not shown by the parser: said here, as it would say it.
      "Byte budget of the history file: the oldest runs are pruned to keep within it (0: none; 1M to 1T). "
        + "(default: \(DatabaseBudget.standard))",
      valueName: "size"), transform: { try DatabaseBudget(parsing: $0) })
  var maxDbSize = DatabaseBudget.standard

  /// Expressions whose matches are hidden in stored output.
  @Option(
    name: .customLong("redact"),
    help: ArgumentHelp(
      "Replace matches of this extended regular expression in stored output with <redacted> (repeatable).",
      valueName: "regex"))
  var redactions: [String] = []

  /// A file of such expressions.
  @Option(
    help: ArgumentHelp("A file of --redact expressions, one per line ('#' starts a comment line).", valueName: "path"))
  var redactFile: String?

  /// Accepted for compatibility: secrets are never stored unless asked.
  @Flag(help: "Accepted and ignored: secret metadata values are stored as keyed digests by default.")
  var redactMetadata = false

  /// Keep secret metadata values in clear.
  @Flag(help: "Store secret metadata values in clear (also $OS_REFRESH_CONFIG_STORE_SECRETS=1).")
  var storeSecrets = false

  /// The Prometheus textfile.
  @Option(
    help: ArgumentHelp(
      "Prometheus metrics file written when the run ends (default: $OS_REFRESH_CONFIG_METRICS_FILE, else \(FleetOutputs.defaultMetricsFile) when its directory exists; '' for none).",
      valueName: "path"))
  var metricsFile: String?

  /// The OTLP JSON Lines file.
  @Option(
    help: ArgumentHelp(
      "Append the run's trace to this file as one OTLP JSON line (default: $OS_REFRESH_CONFIG_OTLP_FILE; '' for none).",
      valueName: "path"))
  var otlpFile: String?

  /// Which files are watched.
  @OptionGroup var watch: WatchOptions

  /// Lists what would run, without running or locking anything.
  @Flag(help: "Print the scripts each phase would run, in order, and exit without running them.")
  var dryRun = false

  func validate() throws {
    try OptionRange.check("--timeout", timeout, OptionRange.timeoutSeconds, "seconds")
    try OptionRange.check("--kill-after", killAfter, OptionRange.killAfterSeconds, "seconds")
    try OptionRange.check("--max-output", maxOutput, OptionRange.maxOutputBytes, "bytes")
    try OptionRange.check("--keep-runs", keepRuns, 0...LimitOption.maximum, "runs")
    if noHistory && requireHistory {
      throw ValidationError("--no-history and --require-history exclude each other")
    }
  }

  func refresh() throws {
    let environment = ProcessEnvironment.current()
    if printBase || printPhases {
      let base = BaseDirectory.resolve(option: baseDir, environment: environment.dictionary).path
      print(printBase ? base : Phase.ordered.map(\.rawValue).joined(separator: "\t"))
    } else {
      ProcessHygiene.holdTerminationSignals()
      try RefreshSession.run(request, environment: environment)
    }
  }

  /// The refresh these options ask for.
  private var request: RefreshRequest {
    var request = RefreshRequest(version: OSRefreshConfig.configuration.version, arguments: CommandLine.arguments)
    (request.baseDirectory, request.logLevel, request.lockfile) = (baseDir, logLevel.level, lockfile)
    (request.timeoutSeconds, request.killAfterSeconds) = (timeout, killAfter)
    request.databasePath = noHistory ? nil : database.path
    (request.requireHistory, request.maxOutput, request.keepRuns) = (requireHistory, maxOutput, keepRuns)
    request.maxDatabaseBytes = maxDbSize.bytes
    (request.redactions, request.redactFile, request.storeSecrets) = (redactions, redactFile, storeSecrets)
    (request.metricsFile, request.otlpFile, request.dryRun) = (metricsFile, otlpFile, dryRun)
    (request.watchPaths, request.watchExcludes) = (watch.paths.watchPath, watch.paths.watchExclude)
    request.noWatch = watch.noWatch
    request.maxFileContent = Int(watch.maxFileContent)
    return request
  }
}
